"""The gazette register attacked as a hostile or careless user would (issue 15, attack15): files in other encodings,
binary and control characters, oversized files and values, far-off dates, forged writes, malformed addresses.
Each answer is a clear refusal naming the field (a ServiceError, a 4xx with a Chinese message), never a 500, and a
refused ingest stores nothing."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from urllib.parse import quote

import pytest
from django.urls import reverse

from countyhall import cli
from countyhall.core.access import AccessDenied
from countyhall.core.errors import ServiceError
from countyhall.core.models import AuditEntry
from countyhall.core.roles import Role
from countyhall.gazette import services
from countyhall.gazette.models import Clause, Document, DocumentEvent
from countyhall.gazette.parser import read_text
from countyhall.gazette.services import gazette_ingest

pytestmark = pytest.mark.django_db

DOCUMENTS = Path(__file__).parent / "documents"
MEASURES = (DOCUMENTS / "zibo-measures.txt").read_text(encoding="utf-8")
VALIDITY = "本办法自2021年11月1日起施行，有效期至2026年10月31日"
CANTEENS_URI = "cn-sd-gaoqing/高政办发/2021/2"


def _measures(serial: int, *, validity: str = VALIDITY, extra: str = "") -> str:
    """zibo-measures.txt under another 文号, with another validity sentence or a clause added before it."""
    text = MEASURES.replace("淄政发〔2021〕8号", f"淄政发〔2021〕{serial}号").replace(VALIDITY, validity)
    return (
        text.replace("第六条　本办法由市民政局负责解释。", "第六条　本办法由市民政局负责解释。\n" + extra)
        if extra
        else text
    )


def _number(serial: int) -> str:
    return f"淄政发〔2021〕{serial}号"


# ---- encodings, binary, control characters, size --------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "utf-16", "utf-8-sig", "utf-32"])
def test_gbk_utf16_and_bom_files_are_read(tmp_path, encoding):
    path = tmp_path / f"measures-{encoding}.txt"
    path.write_bytes(_measures(301).encode(encoding))
    report = gazette_ingest(path=path, actor="test")
    assert report.created == [_number(301)]
    document = Document.objects.get(number=_number(301))
    assert document.title == "关于印发淄博市养老服务补贴管理办法的通知" and "\ufeff" not in document.body


def test_binary_file_is_refused_and_nothing_stored(tmp_path):
    path = tmp_path / "scan.txt"
    path.write_bytes(bytes(range(256)) * 40)
    count = Document.objects.count()
    with pytest.raises(ServiceError) as refused:
        gazette_ingest(path=path, actor="test")
    assert refused.value.field == "path" and "scan.txt" in refused.value.message
    assert Document.objects.count() == count


@pytest.mark.parametrize(("char", "code"), [("\x00", "U+0000"), ("\x1b", "U+001B"), ("\x7f", "U+007F")])
def test_control_characters_are_refused_naming_the_line(tmp_path, char, code):
    # NUL reached PostgreSQL (a DataError) and ESC the AKN export and the Excel download (both a 500).
    path = tmp_path / "controls.txt"
    text = _measures(302)
    path.write_text(text.replace("第三条", f"第三条{char}"), encoding="utf-8")
    line = text[: text.index("第三条")].count("\n") + 1
    with pytest.raises(ServiceError) as refused:
        gazette_ingest(path=path, actor="test")
    assert (
        refused.value.field == "path"
        and code in refused.value.message
        and f"第 {line} 行" in refused.value.message
    )
    assert not Document.objects.filter(number=_number(302)).exists()


def test_form_feed_and_vertical_tab_stay_line_breaks(tmp_path):
    # pdftotext starts each page with \f; the parser's splitlines() already took it as a line break.
    path = tmp_path / "pages.txt"
    path.write_text(
        _measures(303).replace("\n第三条", "\n\f第三条").replace("\n第五条", "\n\x0b第五条"), encoding="utf-8"
    )
    gazette_ingest(path=path, actor="test")
    document = Document.objects.get(number=_number(303))
    assert "\f" not in document.body and "\x0b" not in document.body
    assert document.clauses.filter(path="第三条").exists()


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(services, "MAX_FILE_BYTES", 1024)
    path = tmp_path / "huge.txt"
    path.write_text(_measures(304) * 2, encoding="utf-8")
    with pytest.raises(ServiceError) as refused:
        gazette_ingest(path=path, actor="test")
    assert refused.value.field == "path" and "上限" in refused.value.message


def test_folder_with_an_unreadable_file_stores_the_good_ones(tmp_path):
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "a-good.txt").write_text(_measures(305), encoding="utf-8")
    (folder / "b-binary.txt").write_bytes(b"\x80\x81\xff\x00" * 100)
    (folder / "c-nul.txt").write_text(_measures(306).replace("第三条", "第三条\x00"), encoding="utf-8")
    (folder / "d-gbk.txt").write_bytes(_measures(307).encode("gbk"))
    report = gazette_ingest(path=folder, actor="test")
    assert sorted(report.created) == [_number(305), _number(307)]
    assert {p.file for p in report.problems} == {"b-binary.txt", "c-nul.txt"}
    assert not Document.objects.filter(number=_number(306)).exists()


def test_cli_answers_a_binary_file_with_a_structured_error(tmp_path, monkeypatch, capsys):
    path = tmp_path / "scan.txt"
    path.write_bytes(b"\x80\x81\xff\x00" * 100)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert cli.main(["gazette", "ingest", str(path)]) == 2
    error = json.loads(capsys.readouterr().out)["error"]
    assert error["field"] == "path" and "scan.txt" in error["message"]


def test_a_value_too_long_for_its_column_is_a_problem_not_a_database_error(tmp_path):
    # A 201-character file name is kept as Document.source (200): PostgreSQL refused the row, failing every file.
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / ("x" * 201 + ".txt")).write_text(_measures(308), encoding="utf-8")
    (folder / "good.txt").write_text(_measures(309), encoding="utf-8")
    report = gazette_ingest(path=folder, actor="test")
    assert report.created == [_number(309)]
    [problem] = report.problems
    assert "来源文件名过长" in problem.message and "最多 200 个字" in problem.message


# ---- dates at the edges ---------------------------------------------------------------------------------------


def test_a_validity_past_the_year_9999_is_read_without_raising():
    # "有效期5年" from 9998: add_years overflowed (ValueError) out of read_text, which promises never to raise.
    parsed = read_text(_measures(310, validity="本办法自9998年11月1日起施行，有效期5年"))
    assert parsed.problems == [] and parsed.documents[0].effective_to is None


def test_a_document_valid_until_9999_12_31_answers_every_page(client, tmp_path):
    path = tmp_path / "far.txt"
    path.write_text(
        _measures(311, validity="本办法自2021年11月1日起施行，有效期至9999年12月31日"), encoding="utf-8"
    )
    gazette_ingest(path=path, actor="test")
    document = Document.objects.get(number=_number(311))
    assert document.effective_to == dt.date.max
    uri = document.uri.strip("/")
    for url in [
        reverse("gazette:by-uri", args=[uri]),
        reverse("gazette:by-uri", args=[uri]) + "?on=9999-12-31",
        reverse("gazette:document-akn", args=[document.pk]),
        reverse("gazette:affected", args=[uri]),
        reverse("gazette:register"),
        f"/api/v1/gazette/uri/{uri}?on=9999-12-31",
        f"/api/v1/gazette/affected/{uri}",
    ]:
        assert client.get(url).status_code == 200, url


def test_a_document_dated_0001_01_01_answers_its_clause_page(client, tmp_path):
    text = _measures(312, validity="本办法自0001年1月1日起施行").replace(
        "2021年10月8日\n", "0001年1月1日\n", 1
    )
    path = tmp_path / "early.txt"
    path.write_text(text, encoding="utf-8")
    gazette_ingest(path=path, actor="test")
    document = Document.objects.get(number=_number(312))
    clause = document.clauses.exclude(eid="").first()
    assert (
        client.get(reverse("gazette:by-uri", args=[f"{document.uri.strip('/')}/~{clause.eid}"])).status_code
        == 200
    )


# ---- what an older row may hold still exports --------------------------------------------------------------------


def test_a_stored_control_character_does_not_break_the_akn_or_excel_export(client):
    # Rows stored before ingest refused control characters: the exports drop the character instead of a 500.
    document = Document.objects.get(number="高政办发〔2021〕2号")
    clause = document.clauses.filter(path="五、（一）1").get()
    Clause.objects.filter(pk=clause.pk).update(text=clause.text + "\x1b[31m长者食堂控制字符")
    Document.objects.filter(pk=document.pk).update(title=document.title + "\x1b")
    assert client.get(reverse("gazette:document-akn", args=[document.pk])).status_code == 200
    assert client.get(reverse("gazette:export")).status_code == 200
    response = client.get(reverse("gazette:search"), {"q": "长者食堂控制字符", "export": "xlsx"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")


# ---- writes only for the register's keepers ----------------------------------------------------------------------


def test_only_the_register_keepers_ingest(tmp_path, make_user):
    path = tmp_path / "measures.txt"
    path.write_text(_measures(313), encoding="utf-8")
    for role in (Role.CIVIL_AFFAIRS, Role.TOWN_OFFICER, Role.APPLICANT_FIRM, Role.AUDITOR):
        with pytest.raises(AccessDenied):
            gazette_ingest(path=path, actor=make_user(f"ingest-{role}", role))
    assert not Document.objects.filter(number=_number(313)).exists()
    assert gazette_ingest(path=path, actor=make_user("ingest-admin", Role.SYSTEM_ADMIN)).created == [
        _number(313)
    ]


@pytest.mark.parametrize("role", [None, Role.CIVIL_AFFAIRS, Role.FINANCE, Role.TOWN_OFFICER, Role.AUDITOR])
def test_a_forged_post_of_a_register_write_is_refused(role, make_user):
    from django.test import Client

    client = Client(enforce_csrf_checks=False)
    if role is not None:
        client.force_login(make_user(f"forger-{role}", role))
    events, audit = DocumentEvent.objects.count(), AuditEntry.objects.count()
    event = {
        "number": "高政办发〔2021〕2号",
        "kind": "repealed",
        "date": "2022-01-01",
        "cause_number": "高政办发〔2021〕3号",
        "confirm": "on",
    }
    retained = {"text": "\n".join(f"高政办发〔2020〕{n}号" for n in range(1, 19)), "confirm": "on"}
    for url, data in [(reverse("gazette:event-new"), event), (reverse("gazette:retained"), retained)]:
        answer = client.post(url, data)
        assert answer.status_code in (302, 403), url
        if answer.status_code == 302:
            assert "/login" in answer["Location"] or "/accounts/" in answer["Location"]
    for method in ("post", "put", "patch", "delete"):
        for url in [
            "/api/v1/gazette/documents",
            f"/api/v1/gazette/uri/{CANTEENS_URI}",
            "/api/v1/gazette/memberships",
        ]:
            assert getattr(client, method)(url, {}, content_type="application/json").status_code in (
                401,
                403,
                405,
            )
    assert (DocumentEvent.objects.count(), AuditEntry.objects.count()) == (events, audit)


def test_each_accepted_write_has_its_audit_row(make_user):
    admin = make_user("audit-admin", Role.SYSTEM_ADMIN)
    before = AuditEntry.objects.count()
    services.event_record(
        actor=admin,
        number="高政办发〔2021〕2号",
        kind="repealed",
        date=dt.date(2022, 1, 1),
        cause_number="高政办发〔2021〕3号",
    )
    services.retained_list_enter(actor=admin, text="\n".join(f"高政办发〔2020〕{n}号" for n in range(1, 19)))
    assert AuditEntry.objects.count() == before + 2


@pytest.mark.parametrize(
    ("lines", "words"),
    [
        (17, "录入的是 17 件"),
        (19, "录入的是 19 件"),
    ],
)
def test_retained_list_of_17_or_19_is_refused(make_user, lines, words):
    admin = make_user("retained-admin", Role.SYSTEM_ADMIN)
    with pytest.raises(ServiceError, match=words):
        services.retained_list_enter(
            actor=admin, text="\n".join(f"高政办发〔2020〕{n}号" for n in range(1, lines + 1))
        )
    # the same 文号 in two spellings is one 文号 twice
    spelled = [f"高政办发〔2020〕{n}号" for n in range(1, 18)] + ["高政办发[2020]第1号"]
    with pytest.raises(ServiceError, match="文号重复"):
        services.retained_list_enter(actor=admin, text="\n".join(spelled))
    assert not DocumentEvent.objects.filter(kind=DocumentEvent.Kind.RETAINED).exists()


# ---- addresses a careless or hostile user types ------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        f"/gazette/u/{CANTEENS_URI}/zho@v99999999999999999999/",
        f"/api/v1/gazette/uri/{CANTEENS_URI}/zho@v99999999999999999999",
        f"/api/v1/gazette/uri/{CANTEENS_URI}/zho@v9",
        f"/gazette/u/{CANTEENS_URI}/~sec_1{quote(chr(0))}/",
        f"/gazette/u/{quote(chr(0))}/",
        f"/gazette/affected/{quote(chr(0))}/",
        f"/gazette/people/{quote(chr(0))}/",
        f"/api/v1/gazette/uri/{quote(chr(0))}",
        f"/api/v1/gazette/affected/{quote(chr(0))}",
        "/gazette/cite/?doc=x&line=99999999999999999999",
        "/gazette/cite/?doc=高政办发〔2020〕99号&clause=九十九、&line=99999999999999999999",
        "/gazette/d/99999999999999999999/",
        "/api/v1/gazette/documents/99999999999999999999",
    ],
)
def test_malformed_addresses_are_404(client, url):
    # NUL in the path was a DataError (500) on PostgreSQL: core's middleware now refuses it with 400 naming it.
    answer = client.get(url)
    assert answer.status_code == (400 if "%00" in url else 404)
    if answer.status_code == 400:
        assert "空字符" in answer.content.decode()


@pytest.mark.parametrize("on", ["0001-01-01", "9999-12-31"])
def test_point_in_time_at_the_ends_of_the_calendar(client, on):
    assert client.get(f"/gazette/u/{CANTEENS_URI}/", {"on": on}).status_code == 200
    assert client.get(f"/gazette/u/{CANTEENS_URI}/~sec_1/", {"on": on}).status_code == 200
    assert client.get(f"/api/v1/gazette/uri/{CANTEENS_URI}", {"on": on}).status_code == 200
    assert client.get("/gazette/posts/", {"on": on}).status_code == 200
    assert client.get("/gazette/search/", {"q": "食堂", "in_force_on": on}).status_code == 200


@pytest.mark.parametrize("on", ["2021-02-30", "text", "2021-13-01", "-1", "2021-1-1"])
def test_bad_point_in_time_is_a_chinese_400(client, on):
    for url in [f"/gazette/u/{CANTEENS_URI}/", "/gazette/posts/", f"/api/v1/gazette/uri/{CANTEENS_URI}"]:
        answer = client.get(url, {"on": on})
        assert answer.status_code == 400 and "日期" in answer.content.decode(), url


@pytest.mark.parametrize(
    "query", [".*", "(", "[", "\\", "%", "_", "a++", "' OR 1=1 --", '"', "AND OR NOT", "〔〕", "食" * 100]
)
def test_search_with_metacharacters_answers(client, query):
    assert client.get("/gazette/search/", {"q": query}).status_code == 200
    assert client.get("/api/v1/gazette/search", {"q": query}).status_code == 200
    assert client.get("/gazette/", {"q": query}).status_code == 200


def test_a_search_too_long_is_a_400_naming_the_field(client):
    answer = client.get("/api/v1/gazette/search", {"q": "食" * 101})
    assert answer.status_code == 400 and answer.json()["error"]["field"] == "q"


def test_a_single_line_of_a_megabyte_is_refused_naming_it(tmp_path):
    # jieba segmented it for minutes (the ingest timed out); no printed line is that long.
    path = tmp_path / "oneline.txt"
    path.write_text(_measures(314, extra="第七条　" + "很长" * 500_000), encoding="utf-8")
    with pytest.raises(ServiceError) as refused:
        gazette_ingest(path=path, actor="test")
    assert (
        refused.value.field == "path" and "上限" in refused.value.message and "第 " in refused.value.message
    )
    assert not Document.objects.filter(number=_number(314)).exists()


def test_html_in_titles_and_clauses_is_escaped_on_the_page_and_in_the_akn(client, tmp_path):
    path = tmp_path / "html.txt"
    text = _measures(315, extra="第七条　<script>alert(2)</script>与<img src=x onerror=alert(3)>及]]>。")
    path.write_text(text.replace("关于印发淄博市", "关于印发<b>淄博市</b>"), encoding="utf-8")
    gazette_ingest(path=path, actor="test")
    document = Document.objects.get(number=_number(315))
    page = client.get(reverse("gazette:document", args=[document.pk])).content.decode()
    assert "<script>alert" not in page and "<img src=x" not in page and "&lt;script&gt;alert(2)" in page
    akn = client.get(reverse("gazette:document-akn", args=[document.pk])).content.decode()
    assert "<script>" not in akn and "&lt;script&gt;alert(2)" in akn and "<b>" not in akn


def test_a_huge_cause_line_is_refused_naming_the_field(client, make_user):
    # 依据行号 10^12 for a cause not in the register passed every check and overflowed PostgreSQL's integer.
    client.force_login(make_user("line-admin", Role.SYSTEM_ADMIN))
    data = {
        "number": "高政办发〔2021〕2号",
        "kind": "repealed",
        "date": "2023-06-01",
        "cause_number": "高政办发〔2023〕9号",
        "cause_line": str(10**12),
        "confirm": "on",
    }
    answer = client.post(reverse("gazette:event-new"), data)
    assert answer.status_code == 200 and "依据行号" in answer.content.decode()
    assert not DocumentEvent.objects.filter(kind="repealed").exists()


def test_a_wenhao_too_long_for_the_register_is_refused(make_user):
    # A 代字 of 100 characters matched the register's 文号 pattern and overflowed DocumentEvent.number (64).
    admin = make_user("long-admin", Role.SYSTEM_ADMIN)
    long_number = "高" * 100 + "〔2021〕1号"
    with pytest.raises(ServiceError) as refused:
        services.event_record(
            actor=admin,
            number=long_number,
            kind="repealed",
            date=dt.date(2023, 6, 1),
            cause_number="高政办发〔2021〕3号",
        )
    assert refused.value.field == "number"
    numbers = [f"高政办发〔2020〕{n}号" for n in range(1, 18)] + [long_number]
    with pytest.raises(ServiceError, match="不是文号"):
        services.retained_list_enter(actor=admin, text="\n".join(numbers))
    assert not DocumentEvent.objects.filter(origin=DocumentEvent.Origin.ADMINISTERED).exists()


@pytest.mark.parametrize(
    "printed", ["淄政发﹝2021﹞第０８号", "淄政发[2021]8号", "淄政发【２０２１】第8号", "淄政发（2021）8号"]
)
def test_a_wenhao_with_odd_brackets_is_read_as_the_standard_one(printed):
    parsed = read_text(MEASURES.replace("淄政发〔2021〕8号", printed))
    assert [d.number for d in parsed.documents] == ["淄政发〔2021〕8号"]
    assert (
        parsed.documents[0].number_as_printed.startswith("淄政发")
        and "号" in parsed.documents[0].number_as_printed
    )
