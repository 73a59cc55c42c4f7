"""The Postman collection and environment, generated from the OpenAPI document.

`docs/postman/` is never edited by hand: `hostolink postman` rewrites it from the app's
OpenAPI document and a test fails when the committed files drift from that output.

The collection holds every operation of the document, one folder per first tag, plus the
owner's onboarding flow as an ordered folder whose requests carry test scripts. The flow is
split where a human (or `.ci/newman.sh`) has to read the OTP from the development outbox:
the API never returns it. The flow's folders, steps and checks are data (flows/*.yaml, shared
JavaScript in scripts/): this module only reads them and builds the collection.

Everything is deterministic: ids are uuid5 of stable strings, no timestamps, so that the
same document always yields byte-identical files.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path
from typing import Any, Final

import yaml

COLLECTION_FILE: Final = "hostolink.postman_collection.json"
ENVIRONMENT_FILE: Final = "hostolink.postman_environment.json"
POSTMAN_SCHEMA: Final = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
DEFAULT_BASE_URL: Final = "http://localhost:3000"
SAMPLE_IDENTIFIER: Final = "nouveau.client@example.com"
SAMPLE_PHONE: Final = "0701020304"
# A test account's password, shown in docs on purpose: never a real secret.
SAMPLE_PASSWORD: Final = "MotDePasse-Exemple-2026"  # noqa: S105

ONBOARDING_FOLDER: Final = "Parcours d'inscription"
UNTAGGED_FOLDER: Final = "Autres"

_NAMESPACE: Final = uuid.uuid5(uuid.NAMESPACE_URL, "https://hostolink.local/postman")
_HTTP_METHODS: Final = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_SECRET_VARIABLES: Final = frozenset(
    {"password", "adminPassword", "token", "refreshToken", "adminToken"}
    | {"oldRefreshToken", "loginToken", "loginRefreshToken", "jetonPin"}
)

# (key, default value, description); order is the order shown in Postman.
ENVIRONMENT_VARIABLES: Final[tuple[tuple[str, str, str], ...]] = (
    ("baseUrl", DEFAULT_BASE_URL, "Adresse de l'API, sans barre finale."),
    ("identifier", SAMPLE_IDENTIFIER, "E-mail ou téléphone du compte à inscrire (à changer)."),
    ("password", SAMPLE_PASSWORD, "Mot de passe du compte de test."),
    ("otp", "", "Code reçu par SMS/e-mail (en local : `hostolink outbox --to <identifier>`)."),
    ("adminIdentifier", "", "Identifiant d'un administrateur (`hostolink create-admin`)."),
    ("adminPassword", "", "Mot de passe de cet administrateur."),
    ("token", "", "Jeton d'accès (rempli par le parcours)."),
    ("refreshToken", "", "Jeton de rafraîchissement (rempli par le parcours)."),
    ("oldRefreshToken", "", "Jeton de rafraîchissement déjà utilisé (test de réutilisation)."),
    ("loginToken", "", "Jeton d'accès de la session ouverte par login (rempli par le parcours)."),
    ("loginRefreshToken", "", "Jeton de rafraîchissement de cette session."),
    ("adminToken", "", "Jeton d'accès administrateur (rempli par le parcours)."),
    ("id_user", "", "Identifiant de l'utilisateur inscrit (rempli par le parcours)."),
    ("numero_compte", "", "Numéro de compte du portefeuille (rempli par le parcours)."),
    ("jetonPin", "", "Jeton de confirmation PIN, en-tête X-Jeton-Pin (rempli par le parcours)."),
    ("transferKey", "", "Idempotency-Key du transfert rejoué (rempli par le parcours)."),
    ("reference", "", "Référence du dernier transfert (rempli par le parcours)."),
    (
        "operation_id",
        "",
        "Opération du bac à sable à confirmer (rempli par « 5 - Dépôts et retraits »).",
    ),
    ("qrPayload", "", "Contenu du QR code statique (rempli par le parcours)."),
    (
        "jeton",
        "",
        "Lien signé de mon export de données (rempli par « 11 - Mon compte - export »).",
    ),
    (
        "id_etablissement",
        "",
        "Établissement le plus proche (rempli par « 6 - Annuaire santé »).",
    ),
    ("nouveauNumero", "0709080706", "Nouveau numéro du compte (« 9 - Mon compte - identifiant »)."),
    ("otpIdentifiant", "", "Code reçu au nouveau numéro (`hostolink outbox --to <numéro>`)."),
    ("deviceToken", "", "Jeton d'accès d'un second appareil (rempli par « 8 - Mon compte »)."),
    ("deviceRefreshToken", "", "Jeton de rafraîchissement de ce second appareil."),
    (
        "id_session",
        "",
        "Session d'un autre appareil à déconnecter (remplie par « 8 - Mon compte : appareils »).",
    ),
    (
        "referenceTransaction",
        "",
        "Transaction au sujet de laquelle on écrit au support (remplie par « 13 - Assistance »).",
    ),
    ("id_conversation", "", "Conversation avec le support (remplie par « 13 - Assistance »)."),
    ("id_reclamation", "", "Réclamation en cours (remplie par « 13 - Assistance »)."),
)
_VARIABLE_NAMES: Final = frozenset(key for key, _, _ in ENVIRONMENT_VARIABLES)

# Body fields of the onboarding contract, filled from the environment in every request.
_FIELD_VARIABLES: Final[Mapping[str, str]] = {
    "identifier": "{{identifier}}",
    "password": "{{password}}",
    "confirmPassword": "{{password}}",
    "pin": "{{password}}",
    "otpCode": "{{otp}}",
    "refresh_token": "{{refreshToken}}",
}


def _stable_id(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, "\x1f".join(parts)))


# --------------------------------------------------------------------------- examples


def _resolve_ref(ref: str, openapi: Mapping[str, Any]) -> dict[str, Any]:
    if not ref.startswith("#/"):
        raise ValueError(f"Only local $ref are supported, got {ref!r}")
    node: Any = openapi
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    if not isinstance(node, dict):
        raise ValueError(f"$ref {ref!r} does not point to an object")
    return node


_FORMAT_SAMPLES: Final[Mapping[str, str]] = {
    "email": SAMPLE_IDENTIFIER,
    "date-time": "2026-01-15T09:30:00Z",
    "date": "2026-01-15",
    "time": "09:30:00",
    "uri": "https://example.com",
    "url": "https://example.com",
    "password": SAMPLE_PASSWORD,
    "ipv4": "127.0.0.1",
    "binary": "",
}
# First match wins: (words found in the field name, sample).
_NAME_SAMPLES: Final = (
    (("mail", "email", "identifier", "identifiant"), SAMPLE_IDENTIFIER),
    (("phone", "telephone", "tel", "mobile"), SAMPLE_PHONE),
    (("password", "mdp", "pin"), SAMPLE_PASSWORD),
    (("otp", "code"), "123456"),
    (("prenom",), "Awa"),
    (("nom",), "Kouassi"),
    (("pays",), "Côte d'Ivoire"),
    (("devise", "currency"), "XOF"),
    (("token",), "exemple-de-jeton"),
)
_MISSING: Final = object()


def _string_example(name: str, schema: Mapping[str, Any]) -> str:
    fmt = str(schema.get("format", ""))
    if fmt == "uuid":
        return _stable_id("example", name)
    if fmt in _FORMAT_SAMPLES:
        return _FORMAT_SAMPLES[fmt]
    words = {w for w in name.replace("-", "_").lower().split("_") if w} | {name.lower()}
    value = next((sample for keys, sample in _NAME_SAMPLES if words & set(keys)), "exemple")
    value = value.ljust(int(schema.get("minLength", 0)), "x")
    max_length = schema.get("maxLength")
    return value[: int(max_length)] if max_length is not None else value


def _number_example(name: str, schema: Mapping[str, Any]) -> int:
    lowered = name.lower()
    if "montant" in lowered or "amount" in lowered:
        value = 1000
    elif lowered in {"limit", "limite", "per_page", "taille", "size"}:
        value = 20
    else:
        value = 1
    if "minimum" in schema:
        value = max(value, int(schema["minimum"]))
    if "exclusiveMinimum" in schema and not isinstance(schema["exclusiveMinimum"], bool):
        value = max(value, int(schema["exclusiveMinimum"]) + 1)
    if "maximum" in schema:
        value = min(value, int(schema["maximum"]))
    return value


def _declared_example(schema: Mapping[str, Any]) -> Any:
    examples = schema.get("examples")
    if isinstance(examples, list) and examples:
        return examples[0]
    for key in ("example", "const"):
        if key in schema:
            return schema[key]
    # A `null`, `[]` or `{}` default only says a field is optional: a sample documents more.
    if schema.get("default") not in (None, [], {}):
        return schema["default"]
    enum = schema.get("enum")
    return enum[0] if isinstance(enum, list) and enum else _MISSING


def _example(
    schema: Mapping[str, Any],
    openapi: Mapping[str, Any],
    *,
    name: str = "",
    seen: frozenset[str] = frozenset(),
) -> Any:
    """A plausible value for `schema`: its own examples first, then one made up from its type."""
    if "$ref" in schema:
        ref = str(schema["$ref"])
        # A recursive schema stops at its second visit, as an empty object.
        target = {"type": "object"} if ref in seen else _resolve_ref(ref, openapi)
        return _example(target, openapi, name=name, seen=seen | {ref})
    declared = _declared_example(schema)
    if declared is not _MISSING:
        return declared
    if "allOf" in schema:
        parts = [_example(part, openapi, name=name, seen=seen) for part in schema["allOf"]]
        if all(isinstance(part, dict) for part in parts):
            return {key: value for part in parts for key, value in part.items()}
        return parts[0]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            choices = [s for s in schema[key] if s.get("type") != "null"] or schema[key]
            return _example(choices[0], openapi, name=name, seen=seen)
    return _typed_example(schema, openapi, name=name, seen=seen)


def _typed_example(
    schema: Mapping[str, Any], openapi: Mapping[str, Any], *, name: str, seen: frozenset[str]
) -> Any:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or (kind is None and "properties" in schema):
        properties: Mapping[str, Any] = schema.get("properties", {})
        return {key: _example(sub, openapi, name=key, seen=seen) for key, sub in properties.items()}
    if kind == "array":
        return [_example(schema.get("items", {}), openapi, name=name, seen=seen)]
    if kind in {"integer", "number"}:
        number = _number_example(name, schema)
        return number if kind == "integer" else float(number)
    if kind == "boolean":
        return True
    return _string_example(name, schema) if kind == "string" or (kind is None and name) else None


def _body_example(media: Mapping[str, Any], openapi: Mapping[str, Any]) -> Any:
    if "example" in media:
        return media["example"]
    examples = media.get("examples")
    if isinstance(examples, dict) and examples:
        first = next(iter(examples.values()))
        if "$ref" in first:
            first = _resolve_ref(str(first["$ref"]), openapi)
        if "value" in first:
            return first["value"]
    value = _example(media.get("schema", {}), openapi)
    if isinstance(value, dict):
        # The contract's fields take the environment's values even over a declared example:
        # `password` and `confirmPassword` must agree, and the flow's account is then reused.
        value.update({key: _FIELD_VARIABLES[key] for key in value if key in _FIELD_VARIABLES})
    return value


def _object_schema(schema: Mapping[str, Any], openapi: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in schema:
        schema = _resolve_ref(str(schema["$ref"]), openapi)
    return schema


# --------------------------------------------------------------------------- operations


@dataclass(frozen=True)
class _Operation:
    method: str
    path: str
    spec: Mapping[str, Any]
    path_item: Mapping[str, Any]

    @property
    def key(self) -> str:
        return f"{self.method.upper()} {self.path}"

    @property
    def folder(self) -> str:
        tags = self.spec.get("tags") or [UNTAGGED_FOLDER]
        return str(tags[0])

    @property
    def title(self) -> str:
        return str(self.spec.get("summary") or self.spec.get("operationId") or self.key)

    def parameters(self, openapi: Mapping[str, Any]) -> list[dict[str, Any]]:
        merged: dict[tuple[str, str], dict[str, Any]] = {}
        for raw in [*self.path_item.get("parameters", []), *self.spec.get("parameters", [])]:
            param = _resolve_ref(str(raw["$ref"]), openapi) if "$ref" in raw else raw
            merged[(str(param["in"]), str(param["name"]))] = param
        return list(merged.values())


def _operations(openapi: Mapping[str, Any]) -> Iterator[_Operation]:
    for path, path_item in openapi.get("paths", {}).items():
        for method in path_item:
            if method in _HTTP_METHODS:
                yield _Operation(method, path, path_item[method], path_item)


def _token_variable(op: _Operation, openapi: Mapping[str, Any]) -> str | None:
    security = op.spec.get("security", openapi.get("security", []))
    if not any(requirement for requirement in security):
        return None
    admin = any(op.path == p or op.path.startswith(p + "/") for p in ("/admin", "/api/admin"))
    return "adminToken" if admin else "token"


def _bearer(variable: str | None) -> dict[str, Any]:
    if variable is None:
        return {"type": "noauth"}
    return {
        "type": "bearer",
        "bearer": [{"key": "token", "type": "string", "value": f"{{{{{variable}}}}}"}],
    }


def _url(op: _Operation, openapi: Mapping[str, Any]) -> dict[str, Any]:
    segments = [s for s in op.path.split("/") if s]
    path = [f":{s[1:-1]}" if s.startswith("{") and s.endswith("}") else s for s in segments]
    url: dict[str, Any] = {
        "raw": "{{baseUrl}}/" + "/".join(path),
        "host": ["{{baseUrl}}"],
        "path": path,
    }
    variables: list[dict[str, Any]] = []
    query: list[dict[str, Any]] = []
    for param in op.parameters(openapi):
        name = str(param["name"])
        if name in _VARIABLE_NAMES:
            value = f"{{{{{name}}}}}"
        else:
            value = _example(param.get("schema", {}), openapi, name=name)
            if "example" in param:
                value = param["example"]
        entry = {"key": name, "value": "" if value is None else _text(value)}
        if param.get("description"):
            entry["description"] = str(param["description"])
        if param["in"] == "path":
            variables.append(entry)
        elif param["in"] == "query":
            query.append({**entry, "disabled": not param.get("required", False)})
    if variables:
        url["variable"] = variables
    if query:
        url["query"] = query
        enabled = [f"{q['key']}={q['value']}" for q in query if not q["disabled"]]
        if enabled:
            url["raw"] += "?" + "&".join(enabled)
    return url


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _body(op: _Operation, openapi: Mapping[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    content: Mapping[str, Any] = op.spec.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        value = _body_example(content["application/json"], openapi)
        raw = json.dumps(value, ensure_ascii=False, indent=2)
        body = {"mode": "raw", "raw": raw, "options": {"raw": {"language": "json"}}}
        return body, "application/json"
    for media_type, mode in (
        ("application/x-www-form-urlencoded", "urlencoded"),
        ("multipart/form-data", "formdata"),
    ):
        if media_type in content:
            value = _body_example(content[media_type], openapi)
            fields: list[dict[str, Any]] = []
            schema = _object_schema(content[media_type].get("schema", {}), openapi)
            for key, item in (value if isinstance(value, dict) else {}).items():
                prop = _object_schema(schema.get("properties", {}).get(key, {}), openapi)
                if mode == "formdata" and prop.get("format") == "binary":
                    fields.append({"key": key, "type": "file", "src": []})
                else:
                    fields.append({"key": key, "type": "text", "value": _text(item)})
            return {"mode": mode, mode: fields}, None
    return None, None


def _request(
    op: _Operation,
    openapi: Mapping[str, Any],
    *,
    token: str | None,
    body_override: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A Postman request for `op`, sending `{{token}}` as bearer when `token` names a variable."""
    body, content_type = _body(op, openapi)
    if body_override is not None:
        raw = json.dumps(body_override, ensure_ascii=False, indent=2)
        body = {"mode": "raw", "raw": raw, "options": {"raw": {"language": "json"}}}
        content_type = "application/json"
    headers = [{"key": "Accept", "value": "application/json"}]
    if content_type:
        headers.append({"key": "Content-Type", "value": content_type})
    description = str(op.spec.get("description") or op.spec.get("summary") or "")
    request: dict[str, Any] = {
        "method": op.method.upper(),
        "header": headers,
        "url": _url(op, openapi),
        "auth": _bearer(token),
        "description": f"`{op.key}`\n\n{description}".strip(),
    }
    if body is not None:
        request["body"] = body
    return request


def _item(
    name: str, request: dict[str, Any], *, key: str, tests: Sequence[str] = ()
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": _stable_id("item", key),
        "name": name,
        "request": request,
        "response": [],
    }
    if tests:
        script = {"id": _stable_id("test", key), "type": "text/javascript", "exec": list(tests)}
        item["event"] = [{"listen": "test", "script": script}]
    return item


def _tag_folders(openapi: Mapping[str, Any]) -> list[dict[str, Any]]:
    declared = {str(t["name"]): str(t.get("description", "")) for t in openapi.get("tags", [])}
    folders: dict[str, list[dict[str, Any]]] = {name: [] for name in declared}
    names: dict[str, set[str]] = {}
    for op in _operations(openapi):
        folder = folders.setdefault(op.folder, [])
        seen = names.setdefault(op.folder, set())
        # Aliases share a summary: keep names unique inside a folder.
        name = op.title if op.title not in seen else f"{op.title} ({op.key})"
        seen.add(name)
        request = _request(op, openapi, token=_token_variable(op, openapi))
        folder.append(_item(name, request, key=op.key))
    result = []
    for name, items in folders.items():
        if items:
            folder_item: dict[str, Any] = {"name": name, "item": items}
            if declared.get(name):
                folder_item["description"] = declared[name]
            result.append(folder_item)
    return result


# --------------------------------------------------------------------------- onboarding flow
# The flows are data: one YAML file per folder in flows/ (read in file name order), described
# in flows/README.md. Each step becomes a request whose test script (JavaScript run by
# Postman/newman) checks the status, `success`, the step's own assertions, then stores
# variables for later steps.

FLOWS_DIR: Final = Path(__file__).resolve().parent / "flows"
SCRIPTS_DIR: Final = Path(__file__).resolve().parent / "scripts"
_REPEAT: Final = "repeat"  # a step of an earlier folder, again: "<folder> / <step>"


@dataclass(frozen=True)
class _Step:
    name: str
    operation: str  # "METHOD /path", as in the OpenAPI document
    status: tuple[int, ...] = (200,)
    success: bool | None = True  # None: the step checks `success` itself
    body: Mapping[str, Any] | None = None
    checks: tuple[tuple[str, str], ...] = ()  # (label, chai assertion)
    store: tuple[tuple[str, str], ...] = ()  # (variable, JavaScript expression)
    no_secrets: bool = False
    anonymous: bool = False  # send no token even though the operation is protected
    bearer: str | None = None  # on a protected route, the variable to send as bearer
    headers: Mapping[str, str] | None = None  # extra request headers (Idempotency-Key…)
    notes: str = ""
    wait_ms: int = 0  # pause before the request (an asynchronous result to wait for)
    query: Mapping[str, str] | None = None  # query parameters to send (others stay disabled)

    @classmethod
    def from_data(cls, data: Mapping[str, Any], where: str) -> _Step:
        unknown = sorted(set(data) - {f.name for f in fields(cls)})
        if unknown:
            raise ValueError(f"{where}: unknown step keys {unknown}")
        values = dict(data)
        values["status"] = tuple(int(code) for code in values.get("status", cls.status))
        for key in ("checks", "store"):
            values[key] = tuple(_texts(values.get(key, {}), f"{where}, {key}").items())
        for key in ("headers", "query"):
            if key in values:
                values[key] = _texts(values[key], f"{where}, {key}")
        return cls(**values)

    def script(self) -> list[str]:
        lines = ["let body = {};", "try { body = pm.response.json(); } catch (e) { body = {}; }"]
        codes = ", ".join(str(code) for code in self.status)
        label = "statut " + " ou ".join(str(code) for code in self.status)
        checks = [(label, f"pm.expect(pm.response.code).to.be.oneOf([{codes}])")]
        if self.success is not None:
            flag = str(self.success).lower()
            checks.append((f"success = {flag}", f"pm.expect(body.success).to.eql({flag})"))
        if self.success is False:
            checks.append(("erreur au format commun", "pm.expect(body.error).to.be.a('string')"))
        for label, assertion in [*checks, *self.checks]:
            lines += [f"pm.test({_js(label)}, function () {{", f"  {assertion};", "});"]
        if self.no_secrets:
            lines += _script("no-secrets.js")
        for variable, expression in self.store:
            lines.append(f"pm.environment.set({_js(variable)}, {expression});")
        return lines


@dataclass(frozen=True)
class _Flow:
    name: str
    description: str
    steps: tuple[_Step, ...]
    # The onboarding folders are the contract: always built (a missing route is an error).
    # A later folder is left out of a document without its routes.
    contract: bool = False


def _texts(value: Any, where: str) -> dict[str, str]:
    """A mapping of texts: a number or a boolean would change the generated JSON."""
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ValueError(f"{where}: expected a mapping of texts, got {value!r}")
    return value


def _js(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


@cache
def _script(name: str) -> tuple[str, ...]:
    """The lines of a shared script of scripts/."""
    return tuple((SCRIPTS_DIR / name).read_text(encoding="utf-8").splitlines())


def _flow_order(path: Path) -> tuple[int, str]:
    """`10-x.yaml` after `9-y.yaml`: by the number its name starts with, then by name."""
    number, _, _ = path.name.partition("-")
    return (int(number) if number.isdigit() else 1_000_000, path.name)


@cache
def flows(folder: Path = FLOWS_DIR) -> tuple[_Flow, ...]:
    """The flow folders of `folder`'s YAML files, in the order of their number (`12-…`
    after `6-…`), then of their name."""
    loaded: list[_Flow] = []
    known: dict[str, _Step] = {}
    for path in sorted(folder.glob("*.yaml"), key=_flow_order):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        unknown = sorted(set(data) - {"name", "description", "contract", "steps"})
        if unknown:
            raise ValueError(f"{path.name}: unknown keys {unknown}")
        steps: list[_Step] = []
        for raw in data["steps"]:
            if set(raw) == {_REPEAT}:
                if raw[_REPEAT] not in known:
                    raise ValueError(f"{path.name}: no earlier step {raw[_REPEAT]!r} to repeat")
                steps.append(known[raw[_REPEAT]])
                continue
            step = _Step.from_data(raw, f"{path.name}, {raw.get('name')!r}")
            known[f"{data['name']} / {step.name}"] = step
            steps.append(step)
        flow = _Flow(
            str(data["name"]), str(data["description"]), tuple(steps), bool(data.get("contract"))
        )
        loaded.append(flow)
    return tuple(loaded)


def _flow_item(
    step: _Step, folder: str, ops: Mapping[str, _Operation], openapi: Mapping[str, Any]
) -> dict[str, Any]:
    op = ops.get(step.operation)
    if op is None:
        raise ValueError(f"Step {step.name!r} needs {step.operation}, absent from OpenAPI")
    if step.body is not None:
        media = op.spec.get("requestBody", {}).get("content", {}).get("application/json")
        if media is None:
            raise ValueError(f"{op.key} takes no JSON body but step {step.name!r} sends one")
        known = _object_schema(media.get("schema", {}), openapi).get("properties")
        unknown = sorted(set(step.body) - set(known)) if known is not None else []
        if unknown:
            raise ValueError(f"{op.key} has no field {unknown} that step {step.name!r} sends")
    derived = _token_variable(op, openapi)  # None when the route is public
    token = None if step.anonymous or derived is None else (step.bearer or derived)
    request = _request(op, openapi, token=token, body_override=step.body)
    for name, value in (step.headers or {}).items():
        request["header"].append({"key": name, "value": value})
    if step.query:
        _set_query(request["url"], step.query)
    if step.notes:
        request["description"] = f"{step.notes}\n\n{request['description']}"
    item = _item(step.name, request, key=f"{folder}/{step.name}", tests=step.script())
    if step.wait_ms:
        pause = {
            "id": _stable_id("prerequest", f"{folder}/{step.name}"),
            "type": "text/javascript",
            "exec": [f"setTimeout(function () {{}}, {step.wait_ms});"],
        }
        item.setdefault("event", []).insert(0, {"listen": "prerequest", "script": pause})
    return item


def _set_query(url: dict[str, Any], values: Mapping[str, str]) -> None:
    entries = {entry["key"]: entry for entry in url.get("query", [])}
    unknown = sorted(set(values) - set(entries))
    if unknown:
        raise ValueError(f"{url['raw']} has no query parameter {unknown}")
    for key, value in values.items():
        entries[key].update(value=value, disabled=False)
    enabled = [f"{q['key']}={q['value']}" for q in url["query"] if not q["disabled"]]
    url["raw"] = url["raw"].split("?")[0] + ("?" + "&".join(enabled) if enabled else "")


def _onboarding_folder(openapi: Mapping[str, Any]) -> dict[str, Any]:
    ops = {op.key: op for op in _operations(openapi)}
    return {
        "name": ONBOARDING_FOLDER,
        "description": (
            "Le parcours de l'application Flutter, dans l'ordre, avec ses tests. Les "
            "sous-dossiers se lancent l'un après l'autre (newman `--folder`) : le code OTP "
            "n'est jamais renvoyé par l'API (voir `.ci/newman.sh`)."
        ),
        "item": [
            {
                "name": flow.name,
                "description": flow.description,
                "item": [_flow_item(step, flow.name, ops, openapi) for step in flow.steps],
            }
            for flow in flows()
            if flow.contract or all(step.operation in ops for step in flow.steps)
        ],
    }


# --------------------------------------------------------------------------- public API


def build_collection(openapi: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The Postman collection (v2.1.0) and its environment for an OpenAPI document."""
    info = openapi.get("info", {})
    title = str(info.get("title") or "Hostolink")
    collection: dict[str, Any] = {
        "info": {
            "_postman_id": _stable_id("collection", title),
            "name": title,
            "description": (
                f"{info.get('description') or ''}\n\n"
                f"Version de l'API : {info.get('version', '')}. Généré depuis le document "
                "OpenAPI par `hostolink postman` : ne pas modifier à la main."
            ).strip(),
            "schema": POSTMAN_SCHEMA,
        },
        "item": [_onboarding_folder(openapi), *_tag_folders(openapi)],
        "variable": [{"key": "baseUrl", "value": DEFAULT_BASE_URL, "type": "string"}],
        # Every request of the collection, whatever its folder: never a server error.
        "event": [
            {
                "listen": "test",
                "script": {
                    "id": _stable_id("test", "collection"),
                    "type": "text/javascript",
                    "exec": list(_script("no-server-error.js")),
                },
            }
        ],
    }
    environment: dict[str, Any] = {
        "id": _stable_id("environment", title),
        "name": f"{title} (local)",
        "values": [
            {
                "key": key,
                "value": value,
                "type": "secret" if key in _SECRET_VARIABLES else "default",
                "enabled": True,
                "description": description,
            }
            for key, value, description in ENVIRONMENT_VARIABLES
        ],
        "_postman_variable_scope": "environment",
    }
    return collection, environment


def render(document: Mapping[str, Any]) -> str:
    """The exact text written to disk: sorted keys, 2-space indent, trailing newline."""
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_files(openapi: dict[str, Any], out_dir: Path) -> list[Path]:
    """Write the collection and the environment into `out_dir`; return their paths."""
    collection, environment = build_collection(openapi)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, document in ((COLLECTION_FILE, collection), (ENVIRONMENT_FILE, environment)):
        path = out_dir / name
        path.write_text(render(document), encoding="utf-8", newline="\n")
        written.append(path)
    return written
