"""The stand-in upload-artifact's upload (action.yml): the v3 artifact protocol of
actions/upload-artifact@v3.1.3 against the runner's ACTIONS_RUNTIME_URL, standard library
only. Says what it uploaded; `if-no-files-found` as upload-artifact does."""

from __future__ import annotations

import json
import os
import sys
import urllib.parse
import urllib.request
from pathlib import Path

API = "api-version=6.0-preview"


def call(method: str, url: str, body: bytes, headers: dict[str, str]) -> bytes:
    token = os.environ["ACTIONS_RUNTIME_TOKEN"]
    request = urllib.request.Request(url, data=body, method=method)
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("Accept", f"application/json;{API}")
    for key, value in headers.items():
        request.add_header(key, value)
    with urllib.request.urlopen(request, timeout=60) as answer:
        return bytes(answer.read())


def files_under(path: Path) -> tuple[Path, list[Path]]:
    if path.is_file():
        return path.parent, [path]
    if path.is_dir():
        return path, sorted(p for p in path.rglob("*") if p.is_file())
    return path, []


def main() -> int:
    name = os.environ["INPUT_NAME"]
    given = os.environ["INPUT_PATH"]
    root, files = files_under(Path(given))
    if not files:
        message = f"No files were found with the provided path: {given}. No artifacts uploaded."
        how = os.environ.get("INPUT_IF_NO_FILES_FOUND", "warn")
        if how == "error":
            print(f"::error::{message}")
            return 1
        if how == "warn":
            print(f"::warning::{message}")
        return 0
    base = os.environ["ACTIONS_RUNTIME_URL"].rstrip("/")
    run_id = os.environ["GITHUB_RUN_ID"]
    artifacts = f"{base}/_apis/pipelines/workflows/{run_id}/artifacts"
    created = json.loads(
        call(
            "POST",
            f"{artifacts}?{API}",
            json.dumps(
                {
                    "Type": "actions_storage",
                    "Name": name,
                    "RetentionDays": int(os.environ.get("INPUT_RETENTION_DAYS") or 0),
                }
            ).encode(),
            {"Content-Type": "application/json"},
        )
    )
    container = created["fileContainerResourceUrl"]
    total = 0
    for file in files:
        data = file.read_bytes()
        item = f"{name}/{file.relative_to(root).as_posix()}"
        headers = {"Content-Type": "application/octet-stream"}
        if data:
            headers["Content-Range"] = f"bytes 0-{len(data) - 1}/{len(data)}"
        query = urllib.parse.urlencode({"itemPath": item})
        call("PUT", f"{container}?{query}", data, headers)
        total += len(data)
    query = urllib.parse.urlencode({"artifactName": name})
    call(
        "PATCH",
        f"{artifacts}?{API}&{query}",
        json.dumps({"Size": total}).encode(),
        {"Content-Type": "application/json"},
    )
    print(f"Artifact {name} has been successfully uploaded: {len(files)} file(s), {total} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
