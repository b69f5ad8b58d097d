"""Secrets given on command lines and in environment names: the password flags tools document,
OpenSSL's pass phrase arguments, user options with a password, secret words glued inside upper-case
variable names; and what stays readable (files, prompts, variables, other tools' flags).

Every value here is made up; none is a real credential.
"""

from __future__ import annotations

import pytest

from crewline.nodes.guards import detect_pii
from crewline.nodes.guards.secrets import find_secrets
from tests.support.scaling import assert_linear

PASSWORD = "Vq8#rT2!pLm9wZ"
R24 = "q7Lm2Xv9Tz4Kp8Wn3Rb6Yc1H"
B64_KEY = "JZG1lQz8FSp5nAAwCXWdOGzmGvk0Mqdp2V2ks0aw9ayGQClnS0Ium5AihP3+adnDbQQhWXRBbSAbegGHDvrKxB=="


def _secrets(text: str) -> list[str]:
    return [span.value for span in detect_pii(text) if span.type == "SECRET"]


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        # the short flags tools document for a password, read on their own command line
        (f"redis-cli -h cache -a {R24} ping", R24),
        (f"sshpass -p '{PASSWORD}' ssh root@db1", PASSWORD),
        (f"sqlcmd -S db01 -U sa -P {PASSWORD} -Q 'SELECT 1'", PASSWORD),
        (f"ldapwhoami -x -D cn=admin,dc=acme -w {PASSWORD}", PASSWORD),
        (f"ipmitool -I lanplus -H bmc1 -U admin -P {PASSWORD} power status", PASSWORD),
        (f"plink -ssh ops@host -pw {PASSWORD}", PASSWORD),
        (f"7z a -p{PASSWORD} backup.7z docs/", PASSWORD),
        (f"cd /srv && mysqldump -h db -p{PASSWORD} shop > shop.sql", PASSWORD),
        # options whose name says secret or key, pass phrase arguments, user options
        (f"az storage blob list --account-key {B64_KEY}", B64_KEY),
        (f"jarsigner -keystore k.jks -storepass {PASSWORD} app.jar alias", PASSWORD),
        (f"openssl rsa -in k.pem -passin pass:{PASSWORD} -out plain.pem", PASSWORD),
        (f"curl --proxy-user ops:{PASSWORD} https://example.com", PASSWORD),
        (f"rpcclient -U admin%{PASSWORD} 10.0.0.9", PASSWORD),
        # secret words glued inside an environment variable's name, or "PASS" ending it
        (f"PGPASSWORD={PASSWORD} psql -h db -U app", PASSWORD),
        (f"export MONGOPWD={PASSWORD}", PASSWORD),
        (f"NEXTAUTHSECRET={R24}", R24),
        (f"env: SLACKBOTTOKEN={R24}", R24),
        (f"mail.smtp_pass = {PASSWORD}", PASSWORD),
        (f"rootpassword: {PASSWORD}", PASSWORD),
    ],
)
def test_secrets_on_command_lines_and_in_glued_names_are_found_exactly(text: str, secret: str) -> None:
    assert _secrets(text) == [secret]


@pytest.mark.parametrize(
    "text",
    [
        "redis-cli -a $REDIS_PASSWORD ping",  # a variable
        "sshpass -f /run/secrets/ssh_pass ssh ops@db1",  # a file
        "openssl pkcs12 -in c.p12 -passin env:P12_PASS",  # OpenSSL reads a variable
        "az storage blob upload --account-key ./keys/storage.key",  # a path
        "sqlcmd -S db01 -U sa -P",  # a prompt
        "zip -r -P example docs.zip docs/",  # an example password
        f"git -C repo log -p {R24}",  # "-p" of another tool: a patch, not a password
        f"tar -a -cf {R24}.tar.gz src",  # "-a" of another tool
        f"MONKEY={PASSWORD}",  # "KEY" glued in a name says nothing
        f"passage = {PASSWORD}",  # "pass" starts a longer word
        "the boarding pass is 8XK2Q9ZT",  # "pass" alone in prose
    ],
)
def test_variables_files_prompts_and_other_tools_flags_are_no_secrets(text: str) -> None:
    assert _secrets(text) == []


@pytest.mark.parametrize(
    "unit",
    [
        "redis-cli -a ",
        "redis-cli ",
        "sshpass -p x ",
        "-passout pass:",
        "--user a:",
        "-U a%",
        "PGPASSWORD=",
        "A_PASS=",
    ],
)
def test_the_flag_and_name_rules_stay_linear_on_20_kb_of_their_own_shapes(unit: str) -> None:
    assert_linear(lambda text: list(find_secrets(text)), unit)
