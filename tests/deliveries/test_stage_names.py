"""Stage names for journeys known only by their keys (doorstep.deliveries.stage_names)."""

import pytest

from doorstep.deliveries.stage_names import KNOWN, MORE_NAMES, canonical_key, default_names


@pytest.mark.parametrize(
    ("key", "names"),
    [
        ("sorted", ("Sorted", "已分拣")),
        ("Out-for-delivery", ("Out for delivery", "派送中")),
        ("送达", ("Delivered", "送达")),  # the business's own Chinese word, the usual English
        ("骑手取餐", ("Picked up", "骑手取餐")),
        ("pickup", ("Pickup", "已取件")),  # its own English words, the usual Chinese
        ("出库", ("出库", "出库")),  # not a usual step: its own word in both
        ("hub_scan", ("Hub scan", None)),  # no guess
    ],
)
def test_default_names(key: str, names: tuple[str, str | None]) -> None:
    assert default_names(key) == names


def test_every_other_name_points_to_a_known_step_and_the_usual_names_come_back() -> None:
    assert set(MORE_NAMES) <= set(KNOWN)
    for key, (en, zh) in KNOWN.items():
        assert canonical_key(key) == key
        assert canonical_key(en) in KNOWN and canonical_key(zh) in KNOWN
    assert canonical_key("Go-live") == "go_live" and canonical_key("已送达") == canonical_key("送达") == "delivered"
    assert canonical_key("step 7") is None
