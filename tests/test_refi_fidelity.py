"""What a REFI-QDA round trip keeps: a numeric codebook version stays a number, folder
codes (isCodable="false") come with a word, and a tool's own user is not made a coder."""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import yaml
from conftest import Cli
from test_refi_hostile import NS, fresh, rewrite


def test_version_1_stays_a_number_through_a_qdpx_round_trip(cli: Cli, tmp_path: Path) -> None:
    cli.ok("import")
    qdpx = tmp_path / "p.qdpx"
    cli.ok("export", "qdpx", str(qdpx))
    target = fresh(tmp_path)
    target.ok("import", "qdpx", str(qdpx))
    (book,) = (target.project / "codebooks").glob("*.yaml")
    text = book.read_text(encoding="utf-8")
    assert yaml.safe_load(text)["version"] == 1
    assert "version: 1\n" in text


def test_folder_codes_are_imported_with_a_word(cli: Cli, tmp_path: Path) -> None:
    cli.ok("import")
    qdpx = tmp_path / "p.qdpx"
    cli.ok("export", "qdpx", str(qdpx))

    def folders(root: ET.Element, members: dict[str, bytes]) -> None:
        for code in root.iter(f"{{{NS}}}Code"):
            if code.get("name") in ("Discursive framing", "Issue linkage"):
                code.set("isCodable", "false")

    rewrite(qdpx, folders)
    out = fresh(tmp_path).ok("import", "qdpx", str(qdpx)).output
    # the exported exclusive group is a folder too: without qcoder's note nothing says more
    assert ("3 folder code(s) (isCodable=\"false\" in the file) can be applied in qcoder: "
            "'Discursive framing', 'Issue linkage', 'Partnership type'") in out


def exported_with_one_coding(cli: Cli, tmp_path: Path) -> Path:
    """The tiny project with one coding of ann's, exported as QDPX."""
    cli.ok("import")
    csv = tmp_path / "c.csv"
    csv.write_text("excerpt,code,coder\nalpha/interview-1#1,linkage-visa,ann\n",
                   encoding="utf-8")
    cli.ok("codings", "import", str(csv))
    qdpx = tmp_path / "p.qdpx"
    cli.ok("export", "qdpx", str(qdpx))
    return qdpx


def test_a_tools_own_user_is_not_made_a_coder(cli: Cli, tmp_path: Path) -> None:
    qdpx = exported_with_one_coding(cli, tmp_path)

    def system_user(root: ET.Element, members: dict[str, bytes]) -> None:
        users = root.find(f"{{{NS}}}Users")
        assert users is not None
        ET.SubElement(users, f"{{{NS}}}User", guid="0a0b0c0d-0000-4000-8000-000000000001",
                      name="ATLAS.ti")

    rewrite(qdpx, system_user)
    target = fresh(tmp_path)
    out = target.ok("import", "qdpx", str(qdpx)).output
    assert "skipped the tool's own user(s) 'ATLAS.ti'" in out
    status = target.ok("status", "--json").output
    assert "ATLAS" not in status and "ann" in status


def test_a_users_name_is_kept_beside_the_coder_id(cli: Cli, tmp_path: Path) -> None:
    """A user another tool wrote as "Enric Llagostera" codes as Enric_Llagostera, and the
    name as written comes back in the QDPX qcoder writes."""
    qdpx = exported_with_one_coding(cli, tmp_path)

    def spaced_name(root: ET.Element, members: dict[str, bytes]) -> None:
        for user in root.iter(f"{{{NS}}}User"):
            user.set("name", "Enric Llagostera")

    rewrite(qdpx, spaced_name)
    target = fresh(tmp_path)
    out = target.ok("import", "qdpx", str(qdpx)).output
    assert "'Enric Llagostera' is 'Enric_Llagostera'" in out
    assert "Enric_Llagostera" in target.ok("status", "--json").output
    again = tmp_path / "again.qdpx"
    target.ok("export", "qdpx", str(again))
    with zipfile.ZipFile(again) as archive:
        users = ET.fromstring(archive.read("project.qde")).iter(f"{{{NS}}}User")
        assert [u.get("name") for u in users] == ["Enric Llagostera"]
