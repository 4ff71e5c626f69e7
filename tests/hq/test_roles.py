"""Who sees and changes what: one definition (bridge.hq.roles) for the cockpit and the
calendar server."""

from bridge.hq.roles import Person, Role, Staff

STAFF = Staff([
    Person("awhite", True, None),
    Person("bwilson", True, "awhite"),
    Person("cdavis", True, "awhite"),
    Person("fgreen", True, "bwilson"),
    Person("hboss", False, None),
    Person("dlead", True, "hboss"),
    Person("eclerk", False, None),
])


def test_an_hq_user_who_is_no_representative_and_manages_nobody_sees_everything() -> None:
    assert STAFF.role("eclerk") is Role.HQ
    reach = STAFF.reach("eclerk")
    assert reach.everyone and reach.covers("bwilson") and reach.covers("anyone")


def test_a_manager_sees_their_own_and_everyone_below_them_directly_or_not() -> None:
    assert STAFF.role("awhite") is Role.MANAGER
    reach = STAFF.reach("awhite")
    assert not reach.everyone
    assert reach.logins == {"awhite", "bwilson", "cdavis", "fgreen"}
    assert not reach.covers("dlead")


def test_a_manager_who_is_no_representative_sees_only_their_team() -> None:
    assert STAFF.role("hboss") is Role.MANAGER
    assert STAFF.reach("hboss").logins == {"dlead"}


def test_a_representative_sees_only_their_own() -> None:
    assert STAFF.role("cdavis") is Role.REPRESENTATIVE
    assert STAFF.reach("cdavis").logins == {"cdavis"}


def test_someone_not_among_the_active_staff_sees_nothing() -> None:
    assert STAFF.role("ghost") is None
    reach = STAFF.reach("ghost")
    assert not reach.everyone and not reach.covers("ghost")


def test_a_loop_of_managers_does_not_hang_the_check() -> None:
    looped = Staff([Person("a", True, "b"), Person("b", True, "a")])
    assert looped.manages("a", "b") and looped.manages("b", "a")
    assert not looped.manages("c", "a")
