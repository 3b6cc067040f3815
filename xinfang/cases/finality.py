"""Art 36¶3: after 复核 the matter is final; the same petitioner raising the same facts and reasons again is
not accepted, at any level. The check runs at registration and links the earlier decisions."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q

from xinfang.nlp.dedup.verify import verify
from xinfang.nlp.errors import NlpError

from .models import Matter, MatterStatus

# Same petitioner is required; the text must say substantially the same thing.
SAME_FACTS_MIN_SCORE = getattr(settings, "XINFANG_FINAL_SAME_FACTS_SCORE", 0.45)


def find_final_match(*, id_hashes: list[str], phone_hashes: list[str], text: str) -> Matter | None:
    people = Q()
    for h in filter(None, id_hashes):
        people |= Q(contacts__parties__petitioner__id_number_hash=h)
    for h in filter(None, phone_hashes):
        people |= Q(contacts__parties__petitioner__phone_hash=h)
    if not people:
        return None
    # Deliberately not scoped to the registrar's jurisdiction: finality holds "at any level".
    finals = (
        Matter.objects.filter(people, status=MatterStatus.FINAL).distinct().prefetch_related("contacts")[:20]
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
