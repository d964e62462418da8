"""Region isolation of the personal lookup, the ledger and the board notices: public routes, no staff rows."""

EXEMPT = {
    "public_lookup:form": "public: a person proves who they are, sees only their own payments",
    "public_lookup:code_send": "public: sends a code to the phone on file, shows nothing",
    "public_lookup:code_check": "public: a person proves who they are by the code",
    "public_ledger:index": "public: villages with published disclosures, no personal data",
    "public_ledger:village": "public: a village's ledger of published disclosures, masked",
    "public_ledger:village_excel": "public: the same ledger as Excel, masked",
    "public_ledger:open_data": "public: figures per township and policy, nobody named",
    "public_ledger:board": "public: the board notice of a published disclosure, masked",
}
