"""The Postman collection, as the owner's team runs it, through the proxy of the production
stack: the onboarding flow with a code that really went out (to the simulated SMTP server),
administration, the wallet, the directory, then every operation of the API once."""

from __future__ import annotations

import os
import re
import subprocess

from tests_production.stack import ROOT, Stack

_ROW = re.compile(r"│\s+(requests|assertions)\s+│\s+(\d+)\s+│\s+(\d+)\s+│")


def test_postman_flows_and_every_operation(stack: Stack) -> None:
    env = {
        **os.environ,
        "BASE_URL": stack.url,
        "HOSTOLINK": stack.bin("hostolink"),
        "ADMIN_IDENTIFIER": stack.admin_identifier,
        "ADMIN_PASSWORD": stack.admin_password,
        "OUTBOX_URL": f"{stack.fakes_url}/_fake/messages",
        "WITHOUT_SANDBOX": "1",
    }
    done = subprocess.run(  # noqa: S603 - our own script
        ["/bin/bash", str(ROOT / ".ci" / "newman.sh"), "--reporters", "cli"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    executed = {"requests": 0, "assertions": 0}
    failed = {"requests": 0, "assertions": 0}
    for kind, ran, missed in _ROW.findall(done.stdout):
        executed[kind] += int(ran)
        failed[kind] += int(missed)
    print(
        f"\nnewman through nginx: {executed['requests']} requests, "
        f"{executed['assertions']} assertions, {failed['requests']} failed requests, "
        f"{failed['assertions']} failed assertions"
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
    assert executed["requests"] > 150
    assert failed == {"requests": 0, "assertions": 0}
