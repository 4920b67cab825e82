"""The acupoint catalogue and its diagrams: the points practitioners of this clinic use, drawn where they are."""

import pytest

from charting import points

REQUIRED = ["ST1", "ST2", "ST3", "ST4", "ST5", "ST6", "ST7", "ST8", "LI20", "Yintang", "Taiyang", "GB1", "GB14",
            "BL2", "SI18", "SJ23", "DU24", "GV24", "DU26", "GV26", "REN24", "CV24", "Quanliao", "Shangyingxiang",
            "Bitong", "Qiuhou", "Jiache", "LU7", "LI4", "LI11", "ST36", "SP6", "SP9", "LV3", "KI3", "PC6", "REN4",
            "CV4", "REN6", "CV6", "REN12", "CV12", "DU20", "GV20"]


@pytest.mark.parametrize("code", REQUIRED)
def test_every_point_the_clinic_uses_is_known_under_each_of_its_names(code):
    assert points.canonical_code(code) in points.BY_CODE
    assert points.canonical_code(code.lower()) == points.canonical_code(code)


def test_every_point_is_drawn_on_both_sides_on_its_front_view():
    for view, region in ((points.FACE_FRONT, "face"), (points.BODY, "body")):
        drawn = {(s.code, s.side) for s in points.spots(view)}
        expected = {(p.code, side) for p in points.POINTS if p.region == region for side in p.sides}
        assert drawn == expected, view


def test_a_three_quarter_view_shows_the_near_side_and_hides_what_the_turned_face_hides():
    left = {(s.code, s.side): s for s in points.spots(points.FACE_LEFT)}
    right = {(s.code, s.side): s for s in points.spots(points.FACE_RIGHT)}
    # The ear-side points of the cheek turned towards the viewer are drawn; those of the far cheek are not.
    assert ("SI19", "L") in left and ("SI19", "R") not in left
    assert ("SI19", "R") in right and ("SI19", "L") not in right
    # Turning the head moves the nose towards the far side: the philtrum is left of centre in the left view.
    assert left[("DU26", "")].x < 100 < right[("DU26", "")].x


def test_every_marker_is_inside_its_drawing():
    for view in points.VIEWS:
        assert all(points.in_view(view, s.x, s.y) for s in points.spots(view)), view
        assert points.drawing(view).outline
