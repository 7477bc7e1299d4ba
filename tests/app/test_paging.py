"""The shared paged-table step (components.paging.paged): the first page read first, its
total bounding the page-number control, the chosen page read on the next run; a page number
left over from a longer list reset; no control for a one-page list when asked."""

from streamlit.testing.v1 import AppTest


def _script(total: int, single_page_control: bool = True) -> AppTest:
    def app(total: int, single: bool) -> None:
        import streamlit as st

        from components.paging import paged

        reads = st.session_state.setdefault("reads", [])

        def fetch(page: int) -> tuple[list[int], int]:
            reads.append(page)
            rows = list(range(total))[page * 10 : (page + 1) * 10]
            return rows, total

        (rows, n), page = paged(fetch, 10, "list_page", single_page_control=single)
        st.write(f"page={page} n={n} rows={rows}")

    return AppTest.from_function(app, args=(total, single_page_control))


def _shown(at: AppTest) -> str:
    return at.markdown[-1].value


def test_the_chosen_page_is_read_after_the_first():
    at = _script(25).run()
    assert _shown(at) == f"page=0 n=25 rows={list(range(10))}"
    assert at.number_input(key="list_page").max == 3  # 25 rows, 10 a page
    assert at.session_state["reads"] == [0]
    at.number_input(key="list_page").set_value(3).run()
    assert _shown(at) == "page=2 n=25 rows=[20, 21, 22, 23, 24]"
    assert at.session_state["reads"] == [0, 0, 2]


def test_a_page_number_beyond_a_shorter_list_is_reset():
    at = _script(5)
    at.session_state["list_page"] = 3  # left over from a list of 25
    at.run()
    assert _shown(at) == "page=0 n=5 rows=[0, 1, 2, 3, 4]"


def test_a_one_page_list_can_go_without_a_control():
    at = _script(5, single_page_control=False).run()
    assert not at.number_input
    assert _shown(at) == "page=0 n=5 rows=[0, 1, 2, 3, 4]"
    assert _script(5).run().number_input(key="list_page").max == 1
