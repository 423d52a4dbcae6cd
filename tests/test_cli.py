from __future__ import annotations

import json

from drafter.cli.common import EndpointOptions, endpoint_options

from .conftest import GOLDEN, SEED


def test_score_on_the_seed_prints_15_1_red_and_full_agreement(run_cli, seed_text):
    r = run_cli("score", str(SEED))
    assert r.returncode == 0, r.stderr
    for figure in ("4.00", "2.00/5.0", "0.88", "1.04", "0.95", "1.7389", "15.1", "Red", "95%", "85% / 15% / 0%"):
        assert figure in r.stdout
    assert "all 28 written figures agree" in r.stdout


def test_score_json_on_the_golden_role_gives_the_same_numbers(run_cli):
    r = run_cli("score", "--json", str(GOLDEN))
    assert r.returncode == 0, r.stderr
    card = json.loads(r.stdout)
    assert card["score"]["value"] == 15.1 and card["zone"] == "Red" and card["sub_label"] == "Red"
    assert card["raw"]["shown"] == "1.7389" and card["task_resistance"]["shown"] == "2.00"


def test_validate_refuses_a_bad_draft_with_exit_2_and_the_field_path(run_cli, tmp_path, golden):
    data = golden.model_dump(mode="json")
    data["tasks"][2]["score"] = 6
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    r = run_cli("validate", str(GOLDEN), str(bad))
    assert r.returncode == 2
    assert f"{bad}: tasks[2].score: expected less than or equal to 5 (got 6)" in r.stderr.replace("\n", "")
    assert "ok" in r.stdout and "29-2072.00.json" in r.stdout


def test_import_then_render_reproduces_the_document(run_cli, tmp_path):
    out = tmp_path / "seed.json"
    r = run_cli("import", str(SEED), "-o", str(out))
    assert r.returncode == 0, r.stderr
    md = tmp_path / "seed.md"
    assert run_cli("render", str(out), "-o", str(md)).returncode == 0
    r2 = run_cli("score", "--json", str(md))
    card = json.loads(r2.stdout)
    assert card["score"]["shown"] == "15.1" and all(c["agrees"] for c in card["consistency"])


def test_strict_import_of_an_inconsistent_document_writes_nothing(run_cli, tmp_path, seed_text):
    doc = tmp_path / "doc.txt"
    doc.write_text(seed_text.replace("= 15.1/100", "= 15.2/100"), encoding="utf-8")
    out = tmp_path / "doc.json"
    r = run_cli("import", "--strict", str(doc), "-o", str(out))
    assert r.returncode == 2
    assert "1 written figure(s) differ" in r.stderr
    assert "score_line" in r.stderr
    assert not out.exists() and list(tmp_path.glob(".doc.json*")) == []


def test_missing_file_is_one_line_and_exit_2(run_cli, tmp_path):
    r = run_cli("score", str(tmp_path / "nope.json"))
    assert r.returncode == 2
    assert r.stderr.strip() == f"error: {tmp_path / 'nope.json'}: no such file"


def test_help_lists_the_commands(run_cli):
    r = run_cli("--help")
    assert r.returncode == 0
    for cmd in ("score", "render", "import", "validate", "schema"):
        assert cmd in r.stdout


def test_an_unwritable_output_is_one_line_and_exit_2(run_cli, tmp_path):
    blocker = tmp_path / "drafts"
    blocker.write_text("a file where the output folder should be", encoding="utf-8")
    r = run_cli("draft", "29-2072", "--offline", "-o", str(blocker))
    assert r.returncode == 2
    errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and str(blocker) in errors[0] and "Traceback" not in r.stderr


def test_a_folder_where_a_file_belongs_is_one_line(run_cli, tmp_path):
    r = run_cli("score", str(tmp_path))
    assert r.returncode == 2 and r.stderr.startswith("error: ") and "Traceback" not in r.stderr


def test_an_unknown_methodology_is_one_line_and_exit_2(run_cli):
    r = run_cli("score", str(GOLDEN), "--methodology", "nosuch")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip() == "error: unknown methodology 'nosuch'; bundled: aijri-v1"


def test_every_llm_command_takes_the_same_endpoint_options_from_one_definition():
    from typer.testing import CliRunner

    from drafter.cli import build_app

    shared = ["--endpoint", "--base-url", "--model", "--api-key-env", "--mode", "--config"]
    for command in (["draft"], ["eval"], ["batch"], ["batch", "collect"]):
        argv = [*command, "--help"]
        out = CliRunner().invoke(build_app(argv), argv, env={"COLUMNS": "200"}).output
        panel = out.split("LLM endpoint", 1)[1]
        assert all(flag in panel for flag in shared), command

    @endpoint_options("offline", "model")
    def command(code: str, llm: EndpointOptions = EndpointOptions(), as_json: bool = False):
        return code, llm, as_json

    assert command(code="x", offline=False, model="m", as_json=True) == ("x", EndpointOptions(model="m"), True)


def test_the_command_table_names_exactly_the_commands_each_module_registers():
    """`drafter onet show` builds only cli/onet.py's commands (start-up, issue 14): the table must not drift."""
    import typer
    from typer.main import get_command

    from drafter import cli

    everything = get_command(cli.build_app(None)).commands  # type: ignore[attr-defined]
    assert set(everything) == set(cli.COMMANDS)
    for module in cli.COMMAND_MODULES:
        one = typer.Typer()
        one.callback()(cli._options)
        __import__(f"drafter.cli.{module}", fromlist=["register"]).register(one)
        assert set(get_command(one).commands) == {c for c, m in cli.COMMANDS.items() if m == module}, module  # type: ignore[attr-defined]
    assert set(get_command(cli.build_app(["onet", "show", "29-2072"])).commands) == {"onet"}  # type: ignore[attr-defined]


def test_a_command_named_builds_only_its_module_and_the_top_level_help_lists_all(run_cli):
    listing = run_cli("--help")
    assert listing.returncode == 0 and all(f"  {c} " in listing.stdout for c in ("draft", "eval", "batch", "onet"))
    sub = run_cli("onet", "--help")
    assert sub.returncode == 0 and "show" in sub.stdout and "search" in sub.stdout
    wrong = run_cli("nosuch")
    assert wrong.returncode == 2 and "No such command" in wrong.stderr


def test_help_before_a_command_lists_every_command():
    from typer.main import get_command

    from drafter import cli

    assert set(get_command(cli.build_app(["--help", "draft"])).commands) == set(cli.COMMANDS)  # type: ignore[attr-defined]
    assert set(get_command(cli.build_app(["--version", "draft"])).commands) == {"draft"}  # type: ignore[attr-defined]
