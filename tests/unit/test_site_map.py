"""The map's rules that need no database: coordinates, distances, overlay boxes and where a pin may go."""

import math

import pytest

from portal.services.errors import ServiceError
from portal.services.site_map import (
    MAX_PIN_KM,
    Overlay,
    Photo,
    SiteMap,
    check_pin,
    distance_km,
    distance_to_box_km,
    parse_position,
    valid_bounds,
    valid_coordinate,
)


def test_typed_positions_are_both_or_neither_and_in_range():
    assert parse_position(" 51.5 ", "-0.12", required=False) == (51.5, -0.12)
    assert parse_position("", "  ", required=False) is None
    assert parse_position("-90", "180", required=True) == (-90.0, 180.0)


@pytest.mark.parametrize(
    ("lat", "lon", "field", "words"),
    [
        ("91", "0", "lat", "between -90 and 90"),
        ("0", "-180.5", "lon", "between -180 and 180"),
        ("nan", "0", "lat", "between"),
        ("inf", "0", "lat", "between"),
        ("north", "0", "lat", "must be a number"),
        ("51.5", "", "lon", "longitude too"),
        ("", "0.1", "lat", "latitude too"),
        ("", "", "lat", "Choose a spot"),
    ],
)
def test_wrong_positions_name_the_field_and_why(lat, lon, field, words):
    with pytest.raises(ServiceError) as error:
        parse_position(lat, lon, required=True)
    assert error.value.field == field and words in error.value.message


def test_distances_on_the_sphere():
    assert distance_km(0, 0, 0, 0) == 0
    # One degree of latitude is about 111.2 km everywhere.
    assert math.isclose(distance_km(10, 20, 11, 20), 111.2, rel_tol=0.01)
    # Across the antimeridian the short way round counts.
    assert distance_km(0, 179.9, 0, -179.9) < 25
    assert distance_to_box_km(51.455, -2.59, (51.45, -2.595, 51.46, -2.58)) == 0
    assert math.isclose(distance_to_box_km(52.46, -2.59, (51.45, -2.595, 51.46, -2.58)), 111.2, rel_tol=0.01)


def test_overlay_bounds_must_make_a_box_on_the_map():
    assert valid_bounds([51.45, -2.6, 51.46, -2.58]) == (51.45, -2.6, 51.46, -2.58)
    for wrong in (None, [1, 2, 3], ["a", 1, 2, 3], [51.46, -2.6, 51.45, -2.58], [0, 0, 95, 1], [0, 10, 1, 5]):
        assert valid_bounds(wrong) is None
    assert valid_coordinate(90, -180) and not valid_coordinate(float("nan"), 0) and not valid_coordinate(0, 181)


def test_a_pin_lies_within_reach_of_the_site():
    site_map = SiteMap((51.4545, -2.5879))
    check_pin(site_map, 51.46, -2.59)
    with pytest.raises(ServiceError, match=f"more than {MAX_PIN_KM:g} km from the site"):
        check_pin(site_map, 52.0, -2.5879)
    with pytest.raises(ServiceError, match="not a valid position"):
        check_pin(site_map, 91, 0)


def test_without_a_site_a_pin_lies_near_a_photo_or_an_overlay():
    photo = Photo(1, "a.jpg", 10.0, 10.0)
    overlay = Overlay(2, "o.tif", (20.0, 20.0, 20.5, 20.5))
    site_map = SiteMap(None, photos=[photo], overlays=[overlay])
    check_pin(site_map, 10.2, 10.0)
    check_pin(site_map, 20.6, 20.2)
    with pytest.raises(ServiceError, match="photos and maps"):
        check_pin(site_map, 15.0, 15.0)


def test_with_nothing_on_the_map_a_pin_is_refused():
    with pytest.raises(ServiceError, match="no site on the map"):
        check_pin(SiteMap(None), 0, 0)
    assert SiteMap(None).is_empty and not SiteMap((0, 0)).is_empty
