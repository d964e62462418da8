"""Whatever the cells hold, every data row comes back once: valid or refused, never lost or doubled."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.bulk.factories import PERSONS_HEADER, TODAY, VILLAGE, id_number, write_csv
from yikatong.bulk import read_table

# For each column of a persons file, cells that are right, wrong, empty or merely untidy.
CELLS = [
    [
        id_number(),
        id_number(sequence=12),
        id_number("19491231", place="110105", sequence=2).lower(),
        "123",
        "",
    ],
    ["罗广义", " 王 丽 娟 ", "王2", "", "Ｊｏｈｎ"],
    ["男", "女", "", "未知"],
    ["", "1954-05-03", "1954/5/3", "19540230", "昨天"],
    [VILLAGE, "２３２７２２１００００１", "2327", ""],
    ["H1", " H2 ", ""],
    ["户主", "配偶", "朋友", ""],
    ["", "13945712345", "0457-3662123", "12345", "\u3000"],
]
rows = st.lists(
    st.one_of(
        st.tuples(*(st.sampled_from(choices) for choices in CELLS)).map(list),
        st.just([]),  # a blank line
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows)
def test_every_data_row_is_either_valid_or_refused(data: list[list[str]]) -> None:
    if not any(any(cell.strip() for cell in row) for row in data):
        return
    with tempfile.TemporaryDirectory() as directory:
        parsed = read_table(write_csv(Path(directory), [PERSONS_HEADER, *data]), "persons", today=TODAY)
    expected = [number for number, row in enumerate(data, start=2) if any(cell.strip() for cell in row)]
    kept, refused = parsed.rows["row_no"].to_list(), parsed.rejected["row_no"].to_list()
    assert sorted(kept + refused) == expected
    assert parsed.total_rows == len(expected)
    assert (
        parsed.rows.drop("row_no", "phone", "birth_date", "gender").null_count().sum_horizontal().item() == 0
    )
    assert parsed.rejected["错误原因"].null_count() == 0
