"""Region isolation of the personal lookup, the ledger and the board notices: public routes, no staff rows."""

EXEMPT = {
    "public_lookup:form": "public: a person proves who they are, sees only their own payments",
    "public_lookup:code_send": "public: sends a code to the phone on file, shows nothing",
    "public_lookup:code_check": "public: a person proves who they are by the code",
}
