"""Measurement and checks of bench/portal_load.py: the CPU of the gunicorn workers and PostgreSQL backends
during the load, and afterwards the database checks (every acknowledged submission exactly once and complete,
nothing committed without an acknowledgement, numbers contiguous). Runs in the bench's process."""

from __future__ import annotations

import os
import threading
from collections import Counter
from contextlib import suppress
from pathlib import Path
from typing import Any

import psycopg


def verify(acked: dict[str, Any], first_pk: int, seq_before: dict) -> tuple[list[str], list[str]]:
    """Facts and problems: acknowledged numbers exactly once with their contact, code and registration event;
    every matter written during the run complete; numbers contiguous after the counters' earlier values."""
    from django.db.models import Count

    from xinfang.audit.models import Event
    from xinfang.cases.models import Clock, Matter, MatterSequence
    from xinfang.intake.models import Attachment, Contact, ContactPetitioner
    from xinfang.notify.models import Notification
    from xinfang.portal.models import PortalAccess
    from xinfang.portal.security import hash_code

    def per_matter(qs, key: str = "matter_id") -> Counter:
        return Counter(dict(qs.values_list(key).annotate(n=Count("id"))))

    matters = list(Matter.objects.filter(pk__gt=first_pk).values_list("pk", "number", "status"))
    by_number = Counter(number for _, number, _ in matters)
    contacts = per_matter(Contact.objects.filter(matter_id__gt=first_pk))
    parties = per_matter(
        ContactPetitioner.objects.filter(contact__matter_id__gt=first_pk), "contact__matter_id"
    )
    events = per_matter(Event.objects.filter(matter_id__gt=first_pk, verb="matter.registered"))
    clocks = per_matter(Clock.objects.filter(matter_id__gt=first_pk))
    sms = per_matter(Notification.objects.filter(matter_id__gt=first_pk))
    files = per_matter(Attachment.objects.filter(contact__matter_id__gt=first_pk), "contact__matter_id")
    codes = dict(PortalAccess.objects.filter(matter_id__gt=first_pk).values_list("matter_id", "code_hash"))
    pk_of = {number: pk for pk, number, _ in matters}
    problems = [f"{n}× {number}" for number, n in by_number.items() if n > 1]
    problems += [f"acknowledged {number} not in the database" for number in acked if number not in pk_of]
    wrong_code = [n for n, o in acked.items() if n in pk_of and codes.get(pk_of[n]) != hash_code(o.code)]
    problems += [f"query code of {n} does not match" for n in wrong_code]
    half = []
    for pk, number, status in matters:
        needs_clock = status != "not_accepted"  # Art 36¶3: registered as 不再受理, no clock, no SMS
        complete = contacts[pk] == 1 and parties[pk] >= 1 and events[pk] == 1 and pk in codes
        if not complete or (needs_clock and not (clocks[pk] and sms[pk])):
            half.append(
                f"{number}: contacts {contacts[pk]}, parties {parties[pk]}, event {events[pk]}, "
                f"code {pk in codes}, clocks {clocks[pk]}, sms {sms[pk]}"
            )
    problems += half[:10] + ([f"… {len(half) - 10} more incomplete"] if len(half) > 10 else [])
    unacked = sorted(set(pk_of) - set(acked))
    problems += [f"committed without acknowledgement: {', '.join(unacked[:5])}"] if unacked else []
    gaps = []
    for scope, year, last in MatterSequence.objects.values_list("scope", "year", "last"):
        seqs = sorted(int(n.rsplit("-", 1)[1]) for n in pk_of if n.startswith(f"{scope}-{year}-"))
        if seqs != list(range(seq_before.get((scope, year), 0) + 1, last + 1)):
            gaps.append(
                f"{scope}-{year}: {len(seqs)} new numbers, counter {seq_before.get((scope, year), 0)}→{last}"
            )
    problems += gaps
    attached = sum(1 for pk in pk_of.values() if files[pk])
    unique = not gaps and len(by_number) == len(matters)
    facts = [
        f"{len(acked)} acknowledged, {len(acked) - len(set(acked) - set(pk_of))} of them found once; "
        f"{len(matters)} matters written during the run, {len(unacked)} without acknowledgement",
        f"every one with 1 contact, its petitioner, 1 matter.registered event, its query code (hash matches "
        f"for all acknowledged), clock and SMS: {'yes' if not half else f'NO ({len(half)})'}; "
        f"{attached} with an attachment",
        f"numbers unique and contiguous per counter: {'yes' if unique else 'NO'}",
    ]
    return facts, problems


class CpuSampler(threading.Thread):
    """utime+stime of the gunicorn workers and of this database's PostgreSQL backends, read from /proc every
    0.5 s, so a backend opened during the run (CONN_MAX_AGE reconnects) or a restarted worker still counts."""

    def __init__(self, master: int, pg_url: str | None) -> None:
        super().__init__(daemon=True)
        self.master, self.pg_url, self.stop = master, pg_url, threading.Event()
        self.first: dict[tuple[str, int], float] = {}
        self.last: dict[tuple[str, int], float] = {}
        self.pg = psycopg.connect(pg_url, autocommit=True) if pg_url else None

    def pids(self) -> list[tuple[str, int]]:
        children = Path(f"/proc/{self.master}/task/{self.master}/children").read_text().split()
        pids = [("workers", int(p)) for p in children]
        if self.pg is not None:
            sql = "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            sql += " AND pid <> pg_backend_pid()"
            pids += [("postgres", pid) for (pid,) in self.pg.execute(sql).fetchall()]
        return pids

    def sample(self, baseline: bool = False) -> None:
        for key in self.pids():
            with suppress(OSError, IndexError):
                fields = Path(f"/proc/{key[1]}/stat").read_text().rsplit(")", 1)[1].split()
                cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
                self.first.setdefault(key, cpu if baseline else 0.0)  # a new process: all its CPU is ours
                self.last[key] = cpu

    def run(self) -> None:
        while not self.stop.wait(0.5):
            self.sample()

    def totals(self) -> dict[str, float]:
        self.stop.set()
        self.join()
        self.sample()
        if self.pg is not None:
            self.pg.close()
        out = Counter[str]()
        for key, cpu in self.last.items():
            out[key[0]] += cpu - self.first[key]
        return dict(out)
