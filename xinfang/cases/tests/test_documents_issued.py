"""Documents are issued with the steps that need them: numbered, hashed, readable, downloadable in scope."""

import hashlib
import io

from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from xinfang.cases import handling
from xinfang.cases.documents import document_path
from xinfang.cases.models import IssuedDocument
from xinfang.routing.services import assignment_accept, matter_route
from xinfang.testing.factories import register


def _accepted(world):
    matter = register(world).matter
    a = matter_route(
        matter=matter, unit=world.units["ns_housing"], mode="transfer", actor=world.users["registrar"]
    )
    assignment_accept(assignment=a, actor=world.users["handler"], notice_method="书面", notice_text="已受理")
    matter.refresh_from_db()
    return matter


def _text(document, ext="pdf"):
    data = document_path(document, ext).read_bytes()
    assert hashlib.sha256(data).hexdigest() == (document.sha256_pdf if ext == "pdf" else document.sha256_docx)
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_extension_and_opinion_issue_numbered_documents(world):
    matter = _accepted(world)
    handling.extension_grant(
        matter=matter, days=15, reason="需委托第三方鉴定", actor=world.users["colleague"]
    )
    handling.opinion_issue(
        matter=matter,
        decision="support",
        request="请求维修电梯",
        facts="电梯停运两月",
        reasons="老人出行困难",
        findings="经核查属实",
        decision_text="责令物业三十日内修复",
        legal_basis=["《物业管理条例》第五十四条"],
        actor=world.users["colleague"],
    )
    acceptance, ext, opinion = IssuedDocument.objects.filter(matter=matter).order_by("id")
    assert acceptance.kind == "notice_of_acceptance"
    assert ext.kind == "extension_notice" and opinion.kind == "opinion_letter"
    assert opinion.doc_number.startswith("南山区住房和建设局信意〔") and opinion.doc_number.endswith("1号")
    text = _text(opinion).replace(" ", "").replace("\n", "")
    for part in ("信访事项处理意见书", "支持", "物业管理条例", "复查", matter.number):
        assert part in text, part
    assert "延期" in _text(ext)


def test_documents_download_only_in_scope(world):
    matter = _accepted(world)
    handling.matter_lead_to_channel(
        matter=matter,
        item=2,
        channel="仲裁",
        why="劳动争议应先申请劳动人事争议仲裁",
        actor=world.users["handler"],
    )
    doc = IssuedDocument.objects.exclude(kind="notice_of_acceptance").get(matter=matter)
    assert doc.kind == "legal_channel_notice" and "仲裁" in _text(doc)
    owner = Client()
    owner.force_login(world.users["handler"])
    r = owner.get(f"/documents/{doc.pk}.docx")
    assert r.status_code == 200 and b"".join(r.streaming_content)[:2] == b"PK"
    outsider = Client()
    outsider.force_login(world.users["outsider"])
    assert outsider.get(f"/documents/{doc.pk}.pdf").status_code == 404
    assert timezone.now()


def test_acceptance_issues_the_notice_of_acceptance(world):
    """Art 23: 受理告知书 in writing with 接收情况 and 处理途径和程序; the 60-day sentence for 申诉求决类."""
    matter = _accepted(world)
    doc = IssuedDocument.objects.get(matter=matter, kind="notice_of_acceptance")
    assert doc.title == "信访事项受理告知书" and doc.is_public
    assert doc.unit == world.units["ns_housing"] and "信受〔" in doc.doc_number
    text = _text(doc).replace(" ", "").replace("\n", "")
    for part in (matter.number, "已受理", "60日"):
        assert part in text, part
