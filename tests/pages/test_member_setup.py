"""A new member's first visit: when they can help, then about them, each with "Skip for now", before
an empty week; a member who has declared no availability sees a prompt on the week page."""

from __future__ import annotations

from fastapi.testclient import TestClient

from services.store import views
from tests.pages.support import Site, csrf_of


def test_a_new_member_is_guided_through_availability_then_profile(site: Site) -> None:
    member_id, token = site.add_member("Nia Hughes")
    client = TestClient(site.client.app)
    first = client.get(f"/m/{token}/", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == f"/m/{token}/availability?setup=1"
    step1 = client.get(first.headers["location"])
    assert "Getting started, step 1 of 2" in step1.text and "Skip for now" in step1.text
    saved = client.post(
        f"/m/{token}/availability?setup=1",
        data={"csrf": csrf_of(step1.text), "w1_0_from": "18:00", "w1_0_to": "21:00"},
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"] == f"/m/{token}/profile?setup=1"
    step2 = client.get(saved.headers["location"])
    assert "Getting started, step 2 of 2" in step2.text and f'href="/m/{token}/?setup=skipped"' in step2.text
    week = client.get(f"/m/{token}/?setup=skipped")
    assert "Hello Nia" in week.text and "You have not said when you can help" not in week.text
    with site.engine.connect() as conn:
        assert views.member_availability(conn, member_id)["weekly"], "step 1 was saved"


def test_skipping_the_setup_leaves_a_prompt_on_the_week_and_is_not_asked_again(site: Site) -> None:
    _, token = site.add_member("Owain Price")
    client = TestClient(site.client.app)
    step1 = client.get(f"/m/{token}/")
    assert "Getting started, step 1 of 2" in step1.text
    step2 = client.get(f"/m/{token}/profile?setup=1")
    assert "Getting started, step 2 of 2" in step2.text
    week = client.get(f"/m/{token}/?setup=skipped")
    assert "You have not said when you can help yet" in week.text
    assert f'href="/m/{token}/availability"' in week.text
    again = client.get(f"/m/{token}/", follow_redirects=False)
    assert again.status_code == 200 and "You have not said when you can help yet" in again.text


def test_a_member_with_an_assignment_sees_it_first(site: Site) -> None:
    member_id, token = site.add_member("Nia Hughes")
    request_id = site.add_request(30, 1, "Lift to the picket")
    site.approve(site.propose([(request_id, 0, member_id)]))
    site.dispatch()
    week = TestClient(site.client.app).get(f"/m/{token}/", follow_redirects=False)
    assert week.status_code == 200 and "Lift to the picket" in week.text
    assert "You have not said when you can help yet" in week.text
