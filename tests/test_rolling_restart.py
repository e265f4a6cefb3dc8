"""tools/rolling_restart.py, short: two replicas of the manifests' config behind nginx, each restarted once while
two clients send the test photos. Nothing may fail and no answer may change."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from testkit.server import REPO

needs_nginx = pytest.mark.skipif(
    not (shutil.which("nginx") or os.path.exists("/usr/sbin/nginx")),
    reason="nginx not installed (make installs nginx-light as root with apt; .ci/run does)")


@needs_nginx
def test_a_rolling_restart_loses_no_request(tmp_path):
    report_path = tmp_path / "report.json"
    result = subprocess.run(
        [sys.executable, os.path.join(REPO, "tools", "rolling_restart.py"), "--replicas", "2", "--restarts", "2",
         "--clients", "2", "--images", os.path.join(REPO, "tests", "data"), "--drain", "1", "--settle", "3",
         "--json", str(report_path)],
        capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads(report_path.read_text())
    assert report["failed"] == 0 and report["wrong"] == 0, report
    assert report["answered"] == report["sent"] > 0
    assert [restart["replica"] for restart in report["restarts"]] == [0, 1]
    # Each restarted replica came back into the upstream and answered clients again.
    assert all(restart["first_answers_vs_usual"] is not None for restart in report["restarts"]), report
    assert report["nginx_reloads"] >= 4  # out and back in, per restart
