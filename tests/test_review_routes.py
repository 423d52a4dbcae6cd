"""Every route of the review page through an in-process ASGI client (httpx2's ASGITransport): the pages, live
re-scoring, save, conflicts and accept, and the refusals (traversal, CSRF, token, body size)."""

from __future__ import annotations

import asyncio
import re
import shutil
from pathlib import Path

import httpx2
import pytest

from drafter.web.app import Settings, create_app

from .conftest import GOLDEN
from .test_hostile_text import IDS as TITLE_IDS
from .test_hostile_text import TITLES


@pytest.fixture
def folders(tmp_path) -> tuple[Path, Path]:
    drafts, finals = tmp_path / "drafts", tmp_path / "finals"
    drafts.mkdir()
    shutil.copy(GOLDEN, drafts / "29-2072.00.json")
    return drafts, finals


def _client(drafts: Path, finals: Path, **settings) -> httpx2.AsyncClient:
    app = create_app(Settings(drafts, finals, "ana", **settings))
    return httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://127.0.0.1")


def _run(coro):
    return asyncio.run(coro)


def _form(html: str) -> dict[str, str]:
    """The role form's fields as the page rendered them (inputs, selected options, textareas)."""
    form = html[html.index('id="role-form"') : html.index("</form>")]
    out = {m[0]: m[1] for m in re.findall(r'<input id="[^"]*" name="([^"]+)" value="([^"]*)"', form)}
    out |= {m[0]: m[1] for m in re.findall(r'<textarea id="[^"]*" name="([^"]+)" rows="\d+">([^<]*)</textarea>', form)}
    for name, body in re.findall(r'<select id="[^"]*" name="([^"]+)">(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        out[name] = chosen.group(1) if chosen else ""
    out |= dict(re.findall(r'<input type="hidden" name="(_\w+)" value="([^"]*)">', form))
    import html as h

    return {k: h.unescape(v) for k, v in out.items()}


async def _page(client, path="/role/29-2072.00") -> dict[str, str]:
    r = await client.get(path)
    assert r.status_code == 200, r.text[:300]
    return _form(r.text)


def test_the_portfolio_lists_each_draft_with_its_figures(folders):
    async def go():
        async with _client(*folders) as c:
            r = await c.get("/")
        assert r.status_code == 200
        assert "Medical Records Specialist" in r.text and "/role/29-2072.00" in r.text
        assert ">15.1<" in r.text and "Red" in r.text  # the same figures as drafter table

    _run(go())


def test_changing_a_task_score_rescores_and_shows_the_flip_and_the_change(folders):
    async def go():
        async with _client(*folders) as c:
            form = await _page(c)
            assert form["tasks[0].score"] == "4"
            r = await c.post("/role/29-2072.00/rescore", data=form | {"tasks[0].score": "1"})
        assert r.status_code == 200
        assert 'id="composite">25.0<' in r.text and ">Yellow<" in r.text  # 15.1 Red -> 25.0 Yellow
        assert "<code>tasks[0].score</code>: 4 → 1" in r.text and "the zone changed" in r.text
        assert "What would flip the zone" in r.text

    _run(go())


def test_an_invalid_time_share_is_an_inline_error_that_keeps_what_was_typed(folders):
    async def go():
        async with _client(*folders) as c:
            form = await _page(c)
            live = await c.post("/role/29-2072.00/rescore", data=form | {"tasks[0].time_pct": "50"})
            saved = await c.post(
                "/role/29-2072.00/save", data=form | {"tasks[0].time_pct": "50", "tasks[1].rationale": "typed"}
            )
        assert "task time shares sum to" in live.text and "Cannot save yet" in live.text
        assert saved.status_code == 422 and "not saved" in saved.text
        assert _form(saved.text)["tasks[1].rationale"] == "typed" and _form(saved.text)["tasks[0].time_pct"] == "50"
        assert not folders[1].exists()  # nothing written

    _run(go())


def test_a_label_the_score_does_not_allow_blocks_saving(folders):
    async def go():
        async with _client(*folders) as c:
            form = await _page(c)
            r = await c.post(
                "/role/29-2072.00/save", data=form | {"tasks[0].score": "1", "tasks[0].label": "DISPLACEMENT"}
            )
        assert r.status_code == 422 and "tasks[0].label" in r.text

    _run(go())


def test_save_writes_the_final_pair_and_accept_records_it_in_the_history(folders):
    drafts, finals = folders
    before = (drafts / "29-2072.00.json").read_bytes()

    async def go():
        async with _client(drafts, finals) as c:
            form = await _page(c)
            r = await c.post(
                "/role/29-2072.00/save", data=form | {"tasks[0].score": "1", "tasks[0].label": "NOT INVOLVED"}
            )
            assert r.status_code == 303, r.text[:500]
            page = await c.get("/role/29-2072.00?saved=1")
            assert "Saved the final pair" in page.text and _form(page.text)["tasks[0].score"] == "1"
            acc = await c.post("/role/29-2072.00/accept", data={"_csrf": form["_csrf"], "by": "ana"})
            assert acc.status_code == 303
            return (await c.get("/role/29-2072.00")).text

    text = _run(go())
    assert (drafts / "29-2072.00.json").read_bytes() == before  # never over the draft
    assert (
        '"score": 1' in (finals / "29-2072.00.json").read_text()
        and "25.0/100" in (finals / "29-2072.00.md").read_text()
    )
    assert re.search(r"<td>ana</td><td>15\.1 → 25\.0</td><td>Red → Yellow</td>", text), text[text.index("History") :]


def test_a_final_changed_on_disk_since_the_page_loaded_is_a_conflict_that_loses_nothing(folders):
    drafts, finals = folders

    async def go():
        async with _client(drafts, finals) as c:
            form = await _page(c)
            first = await c.post("/role/29-2072.00/save", data=form | {"growth.score": "1"})
            assert first.status_code == 303
            mine = await _page(c)
            theirs = await _page(c)
            ok = await c.post("/role/29-2072.00/save", data=theirs | {"barriers.regulatory_licensing.score": "2"})
            assert ok.status_code == 303
            late = await c.post("/role/29-2072.00/save", data=mine | {"tasks[2].rationale": "my words"})
            assert late.status_code == 409
            assert "the final changed on disk" in late.text and "barriers.regulatory_licensing.score" in late.text
            assert _form(late.text)["tasks[2].rationale"] == "my words"
            anyway = re.search(r'name="_overwrite" value="([0-9a-f]+)"', late.text).group(1)
            forced = await c.post("/role/29-2072.00/save", data=_form(late.text) | {"_overwrite": anyway})
            assert forced.status_code == 303

    _run(go())
    assert "my words" in (finals / "29-2072.00.json").read_text()
    assert sorted(p.name for p in finals.iterdir() if ".~" in p.name)  # theirs kept as numbered backups


@pytest.mark.parametrize(
    "path", ["/role/..%2F..%2Fetc%2Fpasswd", "/role/%2Fetc%2Fpasswd", "/role/.hidden", "/role/nope"]
)
def test_a_role_outside_the_drafts_folder_is_not_found(folders, path):
    async def go():
        async with _client(*folders) as c:
            return await c.get(path)

    r = _run(go())
    assert r.status_code == 404 and "root:" not in r.text


def test_a_post_without_the_csrf_token_is_refused_and_writes_nothing(folders):
    async def go():
        async with _client(*folders) as c:
            form = await _page(c)
            form.pop("_csrf")
            return await c.post("/role/29-2072.00/save", data=form), await c.post(
                "/role/29-2072.00/accept", data={"_csrf": "forged", "by": "x"}
            )

    save, accept = _run(go())
    assert save.status_code == 403 and accept.status_code == 403 and "CSRF" in save.text
    assert not folders[1].exists()


def test_with_a_token_every_request_needs_it_and_a_cookie_remembers_it(folders):
    async def go():
        async with _client(*folders, token="s3cret-token") as c:
            bare = await c.get("/")
            wrong = await c.get("/?token=s3cret-tokeN")
            right = await c.get("/?token=s3cret-token")
            later = await c.get("/role/29-2072.00")  # the cookie set by the previous answer
            return bare, wrong, right, later

    bare, wrong, right, later = _run(go())
    assert bare.status_code == 403 and wrong.status_code == 403
    assert right.status_code == 200 and later.status_code == 200


def test_a_body_over_the_limit_is_refused_before_it_is_read(folders):
    async def go():
        async with _client(*folders, max_body=10_000) as c:
            form = await _page(c)
            return await c.post("/role/29-2072.00/rescore", data=form | {"tasks[0].rationale": "x" * 20_000})

    r = _run(go())
    assert r.status_code == 413


def test_a_field_the_page_does_not_offer_cannot_be_set(folders):
    async def go():
        async with _client(*folders) as c:
            form = await _page(c)
            return await c.post("/role/29-2072.00/rescore", data=form | {"provenance.drafted_by": "assessor"})

    r = _run(go())
    assert "provenance.drafted_by" in r.text and "not a field this page can change" in r.text


# HTML injections, and the terminal-markup titles of tests/test_hostile_text.py: each goes through every page
HTML_CORPUS = [
    '<script>alert("x")</script>',
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "</textarea><script>steal()</script>",
    "{{ 7*7 }}{% raw %}",
    '<a href="javascript:alert(1)">x</a>',
]
ACTIVE = re.compile(r"<script>alert|<script>steal|<img src=x|<svg onload|<a href=\"javascript", re.I)


@pytest.mark.parametrize(
    "text", HTML_CORPUS + [t for t, _ in TITLES], ids=[f"html-{i}" for i in range(len(HTML_CORPUS))] + TITLE_IDS
)
def test_hostile_text_is_escaped_on_every_page(folders, text):
    import json

    from drafter.safetext import clean

    drafts, finals = folders
    data = json.loads(GOLDEN.read_text(encoding="utf-8"))
    data["role"]["job_title"] = text
    data["tasks"][0]["task"] = text
    data["tasks"][0]["rationale"] = text
    data["evidence"]["wage_trends"]["evidence"] = text
    data["commentary"][0]["body"] = text
    (drafts / "29-2072.00.json").write_text(json.dumps(data), encoding="utf-8")

    async def go():
        async with _client(drafts, finals) as c:
            pages = [(await c.get("/")).text, (await c.get("/role/29-2072.00")).text]
            form = await _page(c)
            pages.append((await c.post("/role/29-2072.00/rescore", data=form | {"tasks[1].rationale": text})).text)
            bad = form | {"tasks[1].rationale": text, "tasks[0].time_pct": "1"}
            pages.append((await c.post("/role/29-2072.00/save", data=bad)).text)
            # saved and accepted (by a hostile name): the portfolio's final row, the role page's history
            saved = await c.post("/role/29-2072.00/save", data=form | {"tasks[1].rationale": text + " saved"})
            assert saved.status_code == 303, saved.text[:300]
            accepted = await c.post("/role/29-2072.00/accept", data={"_csrf": form["_csrf"], "by": text})
            assert accepted.status_code == 303, accepted.text[:300]
            pages += [(await c.get("/role/29-2072.00")).text, (await c.get("/")).text]
            history = pages[-2][pages[-2].index('id="history"') :]
            assert _html_text(clean(text))[:40] in _html_text(history[: history.index("</table>")])
            # the conflict view: a stale page saves over the final, each side's text in the table of differences
            late = await c.post("/role/29-2072.00/save", data=form | {"commentary[0].heading": text})
            assert late.status_code == 409 and "the final changed on disk" in late.text
            table = late.text[late.text.index('id="conflict"') : late.text.index("</section>")]
            assert "<code>commentary[0]</code>" in table and "<code>tasks[1].rationale</code>" in table
            pages.append(late.text)
            # a final that does not read, its problem quoting the hostile text: the notice and the conflict
            data["tasks"][0]["label"] = text
            (finals / "29-2072.00.json").write_text(json.dumps(data), encoding="utf-8")
            pages.append((await c.get("/role/29-2072.00")).text)
            broken = await c.post("/role/29-2072.00/save", data=_form(pages[-1]))
            assert broken.status_code == 409 and "drafter cannot use the final on disk" in broken.text
            pages += [broken.text, (await c.get("/")).text]
            return pages

    pages = _run(go())
    for page in pages:
        assert not ACTIVE.search(page), ACTIVE.search(page)
        assert ">49<" not in page  # text is data, never a template
    if "<" in text:
        assert "&lt;" in pages[1]


def test_the_vendored_script_is_served_and_nothing_else_outside_static(folders):
    async def go():
        async with _client(*folders) as c:
            return [await c.get(p) for p in ("/static/htmx-2.0.4.min.js", "/static/htmx-LICENSE.txt",
                                             "/static/..%2Fapp.py", "/static/../app.py")]  # fmt: skip

    js, licence, *outside = _run(go())
    assert js.status_code == 200 and "htmx" in js.text[:2000] and licence.status_code == 200
    assert all(r.status_code == 404 for r in outside) and not any("create_app" in r.text for r in outside)


def test_review_serve_prints_its_url_and_serves_the_folder(folders, tmp_path):
    import os
    import signal
    import subprocess
    import sys

    drafts, _ = folders
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "DRAFTER_"))}
    proc = subprocess.Popen(
        [sys.executable, "-m", "drafter", "review", "serve", str(drafts), "--port", "0"],
        stderr=subprocess.PIPE, text=True, env=env | {"DRAFTER_HOME": str(tmp_path / "home")},
    )  # fmt: skip
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert url, line
        assert f"finals {drafts.parent / 'finals'}" in line
        r = httpx2.get(url.group(0) + "role/29-2072.00", timeout=30)
        assert r.status_code == 200 and 'id="composite">15.1<' in r.text
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(20)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--host", "0.0.0.0"), "--host 0.0.0.0: serving beyond this machine needs --token"),
        (("--finals", "{drafts}"), "must not be the drafts folder"),
        (("--port", "70000"), "--port"),
    ],
)
def test_review_serve_refuses_an_unsafe_or_bad_setting_in_one_line(run_cli, folders, args, says):
    drafts, _ = folders
    r = run_cli("review", "serve", str(drafts), *(a.format(drafts=drafts) for a in args))
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert says in r.stderr.strip().splitlines()[-1]


def test_each_row_shows_its_tasks_observed_ai_use_as_the_model_saw_it(folders, golden):
    from drafter.labour.occupation import occupation_facts
    from drafter.onet.catalog import Catalog

    facts = occupation_facts(Catalog.load_one("29-2072.00"))
    in_rows = {i for row in golden.tasks for i in row.onet_task_ids}
    seen = [u for u in facts.observed if u.reported and u.task_id in in_rows]
    assert seen  # the index reports some of the golden role's tasks (an excluded task has no row to sit beside)

    async def go():
        async with _client(*folders) as c:
            return (await c.get("/role/29-2072.00")).text

    import html

    go_text = _run(go())
    text = html.unescape(go_text)
    for u in seen:
        assert f'<p class="muted observed">task {u.task_id}: {u.line()}</p>' in text
    assert go_text.count('class="muted observed"') == len(seen)


def _html_text(html: str) -> str:
    import html as h

    return " ".join(h.unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_a_final_that_does_not_read_opens_the_role_from_the_draft_with_a_notice_naming_it(folders):
    drafts, finals = folders
    finals.mkdir()
    (finals / "29-2072.00.json").write_text('{"broken": \n', encoding="utf-8")

    async def go():
        async with _client(drafts, finals) as c:
            return await c.get("/role/29-2072.00")

    r = _run(go())
    assert r.status_code == 200 and 'id="composite">15.1<' in r.text  # the draft's figures
    (notice,) = re.findall(r'id="final-problem">([^<]*)<', r.text)
    assert f"{finals / '29-2072.00.json'}:line 2" in notice and "invalid JSON" in notice and "\n" not in notice
    assert "(editing a copy of the draft)" in r.text and 'id="accept" disabled' in r.text


def test_saving_onto_a_final_drafter_cannot_read_is_refused_and_loses_nothing(folders):
    drafts, finals = folders
    finals.mkdir()
    broken = finals / "29-2072.00.json"
    broken.write_text('{"broken": \n', encoding="utf-8")

    async def go():
        async with _client(drafts, finals) as c:
            form = await _page(c)
            refused = await c.post("/role/29-2072.00/save", data=form | {"tasks[1].rationale": "typed"})
            broken.unlink()  # the assessor moves the bad file away, then saves again from the same page
            again = await c.post("/role/29-2072.00/save", data=_form(refused.text))
            return refused, again

    refused, again = _run(go())
    assert refused.status_code == 409, refused.text[:300]
    conflict = _html_text(refused.text[refused.text.index('id="conflict"') : refused.text.index("</section>")])
    assert "drafter cannot use the final on disk" in conflict and f"{broken}:line 2" in conflict, conflict
    assert 'id="save-anyway"' not in refused.text  # no way to write over it from the page
    assert _form(refused.text)["tasks[1].rationale"] == "typed"
    assert again.status_code == 303 and "typed" in broken.read_text(encoding="utf-8")


def test_a_save_the_protected_writer_refuses_is_a_notice_that_loses_nothing(folders):
    drafts, finals = folders
    (finals / "29-2072.00.md").mkdir(parents=True)  # a folder where the final's Markdown goes

    async def go():
        async with _client(drafts, finals) as c:
            form = await _page(c)
            return await c.post("/role/29-2072.00/save", data=form | {"tasks[1].rationale": "typed"})

    r = _run(go())
    assert r.status_code == 409 and "Traceback" not in r.text
    assert "not saved (nothing you typed is lost)" in r.text and "is a folder" in r.text
    assert _form(r.text)["tasks[1].rationale"] == "typed" and not (finals / "29-2072.00.json").exists()


@pytest.mark.parametrize("which", ["json", "md"])
def test_a_final_symlinked_outside_the_finals_folder_is_neither_read_nor_replaced(folders, tmp_path, which):
    drafts, finals = folders
    finals.mkdir()
    outside = tmp_path / "elsewhere" / f"29-2072.00.{which}"
    outside.parent.mkdir()
    shutil.copy(GOLDEN, outside)
    if which == "md":
        from drafter.documents import load_assessment
        from drafter.house_format import render_markdown

        outside.write_text(render_markdown(load_assessment(GOLDEN).assessment), encoding="utf-8")
    outside_before = outside.read_bytes()
    link = finals / f"29-2072.00.{which}"
    link.symlink_to(outside)

    async def go():
        async with _client(drafts, finals) as c:
            page = await c.get("/role/29-2072.00")
            saved = await c.post("/role/29-2072.00/save", data=_form(page.text) | {"tasks[1].rationale": "typed"})
            accepted = await c.post("/role/29-2072.00/accept", data={"_csrf": _form(page.text)["_csrf"]})
            return page, saved, accepted

    page, saved, accepted = _run(go())
    assert page.status_code == 200 and "outside" in page.text and "(editing a copy of the draft)" in page.text
    assert saved.status_code == 409 and 'id="save-anyway"' not in saved.text
    assert f"{link}: a symbolic link to {outside}, outside {finals}" in _html_text(saved.text)
    assert _form(saved.text)["tasks[1].rationale"] == "typed"
    assert accepted.status_code == 409 and "not accepted" in accepted.text
    assert link.is_symlink() and outside.read_bytes() == outside_before  # the link and its target untouched
    assert not (finals / "29-2072.00.json").exists() or which == "json"


@pytest.mark.parametrize("entry", ["symlink-out", "dangling-symlink", "folder"])
def test_an_entry_of_the_drafts_folder_that_is_not_a_draft_is_listed_as_not_read(folders, tmp_path, entry):
    drafts, finals = folders
    bad = drafts / "link.json"
    if entry == "symlink-out":
        (tmp_path / "x.json").write_text(GOLDEN.read_text(encoding="utf-8"), encoding="utf-8")
        bad.symlink_to(tmp_path / "x.json")
        why = f"a symbolic link to {tmp_path / 'x.json'}, outside {drafts}"
    elif entry == "dangling-symlink":
        bad.symlink_to(tmp_path / "missing.json")
        why = f"a symbolic link to {tmp_path / 'missing.json'}, outside {drafts}"
    else:
        bad.mkdir()
        why = "a folder, not a file"
    (drafts / ".hidden.json").write_text("{", encoding="utf-8")  # hidden: not a draft, not listed (as drafter table)

    async def go():
        async with _client(drafts, finals) as c:
            return await c.get("/"), await c.get("/role/link")

    r, role = _run(go())
    assert r.status_code == 200 and "/role/29-2072.00" in r.text  # the other drafts are still there
    not_read = _html_text(r.text[r.text.index("Not read") :])
    assert f"{bad}: {why}" in not_read and ".hidden.json" not in r.text
    assert role.status_code == 404


def test_the_portfolio_shows_a_saved_finals_figures_beside_the_drafts_score(folders):
    from drafter.portfolio.table import portfolio_row

    drafts, finals = folders

    async def go():
        async with _client(drafts, finals) as c:
            form = await _page(c)
            saved = await c.post(
                "/role/29-2072.00/save", data=form | {"tasks[0].score": "1", "tasks[0].label": "NOT INVOLVED"}
            )
            assert saved.status_code == 303
            return (await c.get("/")).text

    text = _run(go())
    final = portfolio_row(finals / "29-2072.00.json", finals)  # what drafter table prints for the final
    row = _html_text(text[text.index('<tr data-stem="29-2072.00">') : text.index("</tr>", text.index("<tbody>"))])
    assert final.score == 25.0 and f"15.1 → {final.score:.1f}" in row, row
    assert f"{final.final_zone.value} {final.sub_label}" in row and "final saved" in row
    assert "the final's figures" in _html_text(text)


def test_the_portfolio_lists_a_final_that_has_no_draft(folders):
    import json

    drafts, finals = folders
    finals.mkdir()
    data = json.loads(GOLDEN.read_text(encoding="utf-8"))
    data["role"]["job_title"] = "Only A Final"
    (finals / "11-9199.02.json").write_text(json.dumps(data), encoding="utf-8")
    (finals / "bad.json").write_text("{", encoding="utf-8")

    async def go():
        async with _client(drafts, finals) as c:
            return (await c.get("/")).text

    text = _run(go())
    assert "Only A Final" in text and "/role/11-9199.02" not in text
    row = _html_text(text[text.index('<tr data-stem="11-9199.02">') :].split("</tr>")[0])
    assert "(no draft)" in row and "15.1" in row and "final, no draft" in row
    assert f"{finals / 'bad.json'}" in _html_text(text[text.index("Not read") :])


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8765", "127.0.0.1.evil.example", "[::2]:8765"])
def test_a_request_naming_a_foreign_host_is_refused(folders, host):
    async def go():
        async with _client(*folders) as c:
            return await c.get("/", headers={"Host": host}), await c.get("/role/29-2072.00", headers={"Host": host})

    for r in _run(go()):
        assert r.status_code == 400 and "Invalid host header" in r.text and "Medical" not in r.text


@pytest.mark.parametrize(
    ("bound", "host"),
    [("127.0.0.1", "127.0.0.1:8765"), ("127.0.0.1", "localhost:8765"), ("127.0.0.1", "[::1]:8765"),
     ("::1", "[::1]"), ("192.168.1.5", "192.168.1.5:9000"), ("0.0.0.0", "review.lan:8765")],
)  # fmt: skip
def test_the_bound_host_and_the_loopback_names_are_answered(folders, bound, host):
    async def go():
        async with _client(*folders, host=bound) as c:
            return await c.get("/", headers={"Host": host})

    assert _run(go()).status_code == 200
