"""The order in which the test processes take the suite: longest work first.

xdist's default schedulers hand out the tests in the order of the files: the longest tests
(the serve-restart cases, several minutes each) started late and ran alone at the end, two
cores waiting on one test. This one hands out units of work longest first (the classic
"longest processing time first" rule), so the long ones overlap each other and the short ones
fill the gaps. A unit is a test file, so that a file's module fixtures (a browser, a served
site, a reference pass) are made once per file, except for the longest tests, which go alone
to whichever process is free; files whose module fixture is itself long (listed in TOGETHER)
are never split.

Why hand-written: xdist offers the hook (pytest_xdist_make_scheduler) and LoadScopeScheduling,
but no scheduler that orders by duration; pytest-split orders by durations too, but splits
across CI machines, not across the processes of one run.
"""

from __future__ import annotations

from collections import defaultdict

import pytest
from xdist.scheduler import LoadScopeScheduling

# Wall time in seconds of the tests that take 10 s or more, measured 2026-12-03 on the 2-core
# CI machine, three test processes (`python -m pytest --durations 60`, setup and call). Only
# their order matters: a stale figure costs a little time, never a failure.
LONGEST: dict[str, float] = {
    "test_register.py::test_six_months_of_watch_are_in_the_register": 74,
    "test_hostile.py::test_a_full_disk_then_freed_leaves_a_database_the_next_run_completes": 44,
    "test_classify.py::test_real_text_quality_stays_above_the_pinned_floors": 42,
    "test_hostile.py::test_read_only_database_folder_is_one_clear_line_and_loses_nothing": 31,
    "test_classify.py::test_curator_decisions_become_training_examples_and_swap_is_guarded": 19,
    "test_classify.py::test_a_worse_model_is_not_swapped_in": 15,
    "test_hostile.py::test_veille_run_at_debug_level_prints_no_secret": 13,
    "test_serve_restart.py::test_serve_stopped_at_any_moment_resumes_its_schedule": 224,
    "test_serve_restart.py::test_serve_exits_with_one_line_when_its_prefect_server_dies": 88,
    "test_workers.py::test_two_workers_share_one_ingest_without_duplicates": 70,
    "test_demo.py::test_demo_serve_runs_no_prefect_server_and_its_next_command_works_anywhere": 66,
    "test_crash.py::test_killing_the_veille_command_mid_run": 64,
    "test_sending.py::test_two_apps_sending_at_once_while_pages_are_browsed": 60,
    "test_serve.py::test_serve_runs_the_ingest_on_its_schedule": 53,
    "test_cli.py::test_run_twice_articles_and_sources_check": 47,
    "test_ingest.py::test_every_copied_real_feed_goes_through_a_run": 42,
    "test_sending.py::test_two_sends_at_once_mail_every_subscriber_once": 41,
    "test_containment.py::test_fuzz_whole_pass_contains_every_hostile_source": 33,
    "test_web_pressure.py::test_a_100k_line_csv_import_while_the_app_answers_and_a_run_completes": 30,  # noqa: E501
    "test_sending.py::test_a_send_killed_after_the_server_accepted_never_mails_anyone_twice": 30,
    "test_digest.py::test_cli_draft_edit_publish_send_and_export": 30,
    "test_web_walk.py::test_every_page_at_phone_and_desktop_width[fr]": 28,
    "test_cli.py::test_demo_runs_offline_and_prints_what_it_found": 25,
    "test_web_walk.py::test_every_page_at_phone_and_desktop_width[en]": 23,
    "test_crash.py::test_killing_the_veille_command_while_its_prefect_server_starts": 23,
    "test_containment.py::test_poison_pill_feed_beside_a_healthy_source": 22,
    "test_web.py::test_curator_logs_in_curates_previews_and_publishes": 18,
    "test_triage.py::test_a_curator_rescues_an_item_and_answers_the_queue_then_train_counts_them": 17,  # noqa: E501
    "test_week_letter.py::test_the_sent_state_and_the_warning_after_sending[fr]": 14,
    "test_cli.py::test_a_prefect_server_that_does_not_start_is_one_clear_line": 14,
    "test_web_sources.py::test_the_proposal_fits_a_phone_and_confirms_in_a_real_browser": 13,
    "test_health.py::test_one_source_failing_alone_counts_only_if_other_servers_answer": 13,
    "test_web_actions.py::test_a_curator_records_an_action_and_its_owner_sees_it_through": 13,
    "test_alerts.py::test_new_matches_go_once_each_and_later_recipients_get_only_what_follows": 12,
    "test_users_cli.py::test_without_a_terminal_it_says_how_to_give_the_password": 12,
    "test_web.py::test_the_app_keeps_working_while_a_run_writes": 11,
    "test_week_letter.py::test_the_week_pages_fit_a_phone_and_a_desktop[1280]": 11,
    "test_roles.py::test_a_trainer_suggests_in_the_browser_and_the_curator_sees_it": 10,
    "test_hosts.py::test_a_dead_host_is_tried_a_few_times_a_pass_and_again_the_next": 10,
    "test_week_letter.py::test_the_week_pages_fit_a_phone_and_a_desktop[375]": 10,
}

# Files whose module fixture is long (six months of weekly runs; a hostile site's pass; a
# model trained on the seed): one unit each, never split.
TOGETHER = {"test_register.py", "test_hostile.py", "test_classify.py"}

SLOW_GUESS, QUICK_GUESS = 5.0, 0.2  # seconds, for the tests not measured above


def _short(nodeid: str) -> str:
    return nodeid.split("/")[-1]


def unit(nodeid: str) -> str:
    """The unit of work a test belongs to: itself if it is among the longest, else its file."""
    file = _short(nodeid).split("::", 1)[0]
    if _short(nodeid) in LONGEST and file not in TOGETHER:
        return nodeid
    return nodeid.split("::", 1)[0]


def longest_first(items: list[pytest.Item]) -> None:
    """Sort ``items`` by their unit's estimated time, longest first; a unit's tests keep their
    order, and units of equal estimate keep the files' order."""
    cost: dict[str, float] = defaultdict(float)
    rank: dict[str, int] = {}
    for item in items:
        key = unit(item.nodeid)
        rank.setdefault(key, len(rank))
        guess = SLOW_GUESS if item.get_closest_marker("slow") else QUICK_GUESS
        cost[key] += LONGEST.get(_short(item.nodeid), guess)
    items.sort(key=lambda item: (-cost[unit(item.nodeid)], rank[unit(item.nodeid)]))


class LongestFirst(LoadScopeScheduling):  # type: ignore[misc]  # xdist has no types
    """xdist's scope scheduler with :func:`unit` as the scope. It hands out the units in the
    collection's order (sorted by :func:`longest_first`), never reordered by size
    (``--no-loadscope-reorder``), each process keeping about two tests queued."""

    def _split_scope(self, nodeid: str) -> str:
        return unit(nodeid)
