"""The beat's schedule for incidents and chat channels: each entry names a task a worker registers, so a typo in
a name is caught here rather than by a sweep that silently never runs."""

import pytest
from django.conf import settings

from portal.celery import app

# entry -> (task name, at most this many seconds between runs)
EXPECTED = {
    "incident-deadlines": ("incidents.sweep_deadlines", 900),
    "incident-outbox": ("incidents.deliver_outbox", 120),
    "chat-replies": ("chat.deliver_replies", 120),
    "chat-relay": ("chat.relay_status_changes", 120),
    "chat-media": ("chat.fetch_media", 300),
}


@pytest.fixture(scope="module")
def registered() -> set[str]:
    # What a worker does at start-up: import CELERY_IMPORTS and every installed app's tasks module.
    app.loader.import_default_modules()
    return set(app.tasks)


@pytest.mark.parametrize("entry", sorted(EXPECTED))
def test_the_entry_runs_its_task_often_enough(entry):
    task, most_seconds = EXPECTED[entry]
    scheduled = settings.CELERY_BEAT_SCHEDULE[entry]
    assert scheduled["task"] == task
    assert 0 < float(scheduled["schedule"]) <= most_seconds


def test_the_scheduled_tasks_are_registered(registered):
    for task, _ in EXPECTED.values():
        assert task in registered, task
    # Every other entry of the schedule too: none may name a task no worker knows.
    unknown = {e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()} - registered
    assert not unknown


def test_the_app_reads_the_schedule_from_settings():
    assert app.conf.beat_schedule == settings.CELERY_BEAT_SCHEDULE
