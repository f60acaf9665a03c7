"""The memoised expectation configuration: only inside its block, only on its thread."""

from __future__ import annotations

import threading

from validators._gx_memo import configurations_memoised


def _expectation():  # type: ignore[no-untyped-def]
    import great_expectations.expectations as gxe

    return gxe.ExpectColumnValuesToBeBetween(column="x", min_value=0, max_value=1)


def test_inside_the_block_a_configuration_is_built_once_outside_every_time() -> None:
    e = _expectation()
    with configurations_memoised():
        assert e.configuration is e.configuration
        inside = e.configuration
    assert e.configuration is not e.configuration
    assert e.configuration == inside


def test_each_validation_builds_afresh_and_nested_blocks_share() -> None:
    e = _expectation()
    with configurations_memoised():
        first = e.configuration
        with configurations_memoised():
            assert e.configuration is first
    with configurations_memoised():
        assert e.configuration is not first


def test_other_threads_are_not_memoised() -> None:
    e = _expectation()
    seen: list[bool] = []
    with configurations_memoised():
        e.configuration  # noqa: B018 - built and kept on this thread
        thread = threading.Thread(target=lambda: seen.append(e.configuration is e.configuration))
        thread.start()
        thread.join()
    assert seen == [False]
