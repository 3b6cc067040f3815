"""Art 36¶3: after 复核 the matter is final; the same petitioner raising the same facts and reasons again is
not accepted, at any level. The check runs at registration and links the earlier decisions."""

from __future__ import annotations

from django.conf import settings

from xinfang.nlp.dedup.verify import verify
from xinfang.nlp.errors import NlpError

from .models import Matter, MatterStatus

# Same petitioner is required; the text must say substantially the same thing.
SAME_FACTS_MIN_SCORE = getattr(settings, "XINFANG_FINAL_SAME_FACTS_SCORE", 0.45)


def find_final_match(*, petitioner_ids: list[int], text: str) -> Matter | None:
    """The FINAL matter of one of these petitioners that says substantially the same thing, if any.

    Petitioners are matched upstream by ID-number/phone blind index, so a returning person has the same id;
    a petitioner created by this registration has no history and is not passed in (no query at all)."""
    if not petitioner_ids:
        return None
    # Deliberately not scoped to the registrar's jurisdiction: finality holds "at any level".
    finals = (
        Matter.objects.filter(status=MatterStatus.FINAL, contacts__parties__petitioner_id__in=petitioner_ids)
        .distinct()
        .prefetch_related("contacts")[:20]
    )
    best: tuple[float, Matter] | None = None
    for matter in finals:
        earlier = "\n".join(c.text for c in matter.contacts.all())
        try:
            score = verify(text, earlier, with_passages=False).score
        except NlpError:
            continue
        if score >= SAME_FACTS_MIN_SCORE and (best is None or score > best[0]):
            best = (score, matter)
    return best[1] if best else None
