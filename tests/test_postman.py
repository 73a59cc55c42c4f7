"""The Postman collection is generated from OpenAPI and committed: it must never drift.

The drift test runs against the real app; the shape tests also run against a small app
built here, so that they pin the generator's behaviour independently of the routes of the day.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from hostolink.app import create_app
from hostolink.cli import OFFLINE_URL
from hostolink_devtools.postman import builder as postman

POSTMAN_DIR = Path(__file__).resolve().parents[1] / "docs" / "postman"
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
# The flow's folders (src/hostolink_devtools/postman/flows/*.yaml), by the names
# .ci/newman.sh runs with `--folder`.
SIGNUP_FOLDER, SESSION_FOLDER, ADMIN_FOLDER = FLOW_FOLDERS = [
    "1 - Inscription",
    "2 - Vérification et session",
    "3 - Administration",
]
# The app's document also has the wallet's and the deposits' routes: their folders follow.
APP_FLOW_FOLDERS = [
    *FLOW_FOLDERS,
    "4 - Portefeuille",
    "5 - Dépôts et retraits",
    "6 - Annuaire santé",
    "7 - Mon compte - sécurité",
    "8 - Mon compte - appareils et sessions",
    "9 - Mon compte - identifiant",
    "10 - Mon compte - suppression",
    "11 - Mon compte - export de mes données",
    "12 - Parrainage",
    "13 - Assistance",
]


# --------------------------------------------------------------------------- a small app


class IdentifierIn(BaseModel):
    identifier: str = Field(examples=["0701020304"])


class RegisterIn(BaseModel):
    identifier: str
    code_invitation_utilise: str | None = None
    fcm_token: str | None = None


class PasswordIn(BaseModel):
    identifier: str
    password: str = Field(min_length=8)
    confirmPassword: str | None = None  # noqa: N815 - the Flutter app's field name


class OtpIn(BaseModel):
    identifier: str
    otpCode: str  # noqa: N815


class PinIn(BaseModel):
    identifier: str
    pin: str | None = None
    otpCode: str | None = None  # noqa: N815


class LoginIn(BaseModel):
    identifier: str
    password: str


class RefreshIn(BaseModel):
    refresh_token: str


class Adresse(BaseModel):
    ville: str = "Abidjan"
    commune: str


class Profil(BaseModel):
    nom: str
    prenom: str
    pays: str = Field(examples=["CI"])
    email: str | None = None
    telephone: str | None = None
    age: int = Field(ge=18)
    adresses: list[Adresse] = []


bearer = HTTPBearer(auto_error=False)
Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def openapi_keys(document: dict[str, Any]) -> set[str]:
    return {
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }


def small_app() -> FastAPI:
    app = FastAPI(title="Hostolink", version="0.1.0")
    ok: dict[str, Any] = {}

    @app.post("/api/check-user", tags=["Inscription"], summary="Check user")
    @app.post("/admin/utilisateurs/check-user", tags=["Inscription"], summary="Check user")
    def check_user(body: IdentifierIn) -> dict[str, Any]:
        return ok

    @app.post("/api/register-user", tags=["Inscription"], status_code=201)
    def register_user(body: RegisterIn) -> dict[str, Any]:
        return ok

    @app.post("/api/define-password", tags=["Inscription"])
    def define_password(body: PasswordIn) -> dict[str, Any]:
        return ok

    @app.post("/api/generate-otp", tags=["OTP"])
    @app.post("/api/generate", tags=["OTP"])
    def generate_otp(body: IdentifierIn) -> dict[str, Any]:
        return ok

    @app.post("/api/verify-otp", tags=["OTP"])
    def verify_otp(body: OtpIn) -> dict[str, Any]:
        return ok

    @app.post("/api/verify-pin", tags=["Authentification"])
    def verify_pin(body: PinIn) -> dict[str, Any]:
        return ok

    @app.post("/api/auth/login", tags=["Authentification"])
    def login(body: LoginIn) -> dict[str, Any]:
        return ok

    @app.post("/api/auth/refresh", tags=["Authentification"])
    def refresh(body: RefreshIn) -> dict[str, Any]:
        return ok

    @app.post("/api/auth/logout", tags=["Authentification"])
    def logout(body: RefreshIn) -> dict[str, Any]:
        return ok

    @app.get("/api/user/me", tags=["Utilisateurs"])
    def me(auth: Bearer) -> dict[str, Any]:
        return ok

    @app.patch("/api/user/me", tags=["Utilisateurs"])
    def update_me(body: Profil, auth: Bearer) -> dict[str, Any]:
        return ok

    @app.get("/admin/utilisateurs", tags=["Administration"])
    def admin_list(auth: Bearer) -> dict[str, Any]:
        return ok

    @app.get("/api/admin/utilisateurs/{id_user}", tags=["Administration"])
    def admin_get(id_user: int, auth: Bearer, page: int = 1) -> dict[str, Any]:
        return ok

    @app.get("/health")
    def health() -> dict[str, Any]:
        return ok

    return app


@pytest.fixture(scope="module")
def small_openapi() -> dict[str, Any]:
    return small_app().openapi()


@pytest.fixture(scope="module")
def app_openapi() -> dict[str, Any]:
    """The document `hostolink postman` reads: the app's, built without a database."""
    return create_app(database_url=OFFLINE_URL).openapi()


@pytest.fixture(params=["small", "app"])
def openapi(request: pytest.FixtureRequest) -> dict[str, Any]:
    name = "small_openapi" if request.param == "small" else "app_openapi"
    document: dict[str, Any] = request.getfixturevalue(name)
    return document


# --------------------------------------------------------------------------- helpers


def requests_in(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for item in node.get("item", []):
        if "request" in item:
            yield item
        else:
            yield from requests_in(item)


def operation_of(item: dict[str, Any]) -> str:
    request = item["request"]
    path = "/".join(re.sub(r"^:(.+)$", r"{\1}", s) for s in request["url"]["path"])
    return f"{request['method']} /{path}"


def openapi_operations(document: dict[str, Any]) -> list[str]:
    return [
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method in HTTP_METHODS
    ]


def folder(collection: dict[str, Any], *names: str) -> dict[str, Any]:
    node = collection
    for name in names:
        node = next(item for item in node["item"] if item["name"] == name)
    return node


def step(collection: dict[str, Any], folder_name: str, name: str) -> dict[str, Any]:
    flow = folder(collection, postman.ONBOARDING_FOLDER, folder_name)
    return next(item for item in flow["item"] if item["name"] == name)


def script(item: dict[str, Any]) -> str:
    return "\n".join(line for event in item.get("event", []) for line in event["script"]["exec"])


# --------------------------------------------------------------------------- tests


class TestCommittedFiles:
    def test_docs_postman_is_what_the_app_generates(self, app_openapi: dict[str, Any]) -> None:
        collection, environment = postman.build_collection(app_openapi)
        for name, document in (
            (postman.COLLECTION_FILE, collection),
            (postman.ENVIRONMENT_FILE, environment),
        ):
            path = POSTMAN_DIR / name
            committed = path.read_text(encoding="utf-8") if path.exists() else ""
            assert committed == postman.render(document), (
                f"{path} differs from the OpenAPI document: run `hostolink postman`"
            )


class TestEveryOperation:
    def test_every_operation_is_a_request_in_its_tag_folder(self, openapi: dict[str, Any]) -> None:
        collection, _ = postman.build_collection(openapi)
        tag_folders = collection["item"][1:]
        generated = [operation_of(item) for f in tag_folders for item in requests_in(f)]
        assert sorted(generated) == sorted(openapi_operations(openapi))

    def test_requests_are_grouped_by_first_tag(self, small_openapi: dict[str, Any]) -> None:
        collection, _ = postman.build_collection(small_openapi)
        names = [item["name"] for item in collection["item"]]
        assert names == [
            postman.ONBOARDING_FOLDER,
            "Inscription",
            "OTP",
            "Authentification",
            "Utilisateurs",
            "Administration",
            postman.UNTAGGED_FOLDER,
        ]
        otp = [operation_of(i) for i in folder(collection, "OTP")["item"]]
        # Document order: stacked decorators register the lower one first.
        assert otp == ["POST /api/generate", "POST /api/generate-otp", "POST /api/verify-otp"]

    def test_aliases_get_distinct_names(self, small_openapi: dict[str, Any]) -> None:
        collection, _ = postman.build_collection(small_openapi)
        names = [i["name"] for i in folder(collection, "Inscription")["item"]]
        assert len(names) == len(set(names))

    def test_bearer_follows_the_security_requirement(self, small_openapi: dict[str, Any]) -> None:
        collection, _ = postman.build_collection(small_openapi)
        auth = {
            operation_of(item): item["request"]["auth"]
            for f in collection["item"][1:]
            for item in requests_in(f)
        }
        assert auth["POST /api/check-user"] == {"type": "noauth"}
        assert auth["POST /admin/utilisateurs/check-user"] == {"type": "noauth"}
        assert auth["GET /api/user/me"]["bearer"][0]["value"] == "{{token}}"
        assert auth["GET /admin/utilisateurs"]["bearer"][0]["value"] == "{{adminToken}}"
        assert auth["GET /api/admin/utilisateurs/{id_user}"]["bearer"][0]["value"] == (
            "{{adminToken}}"
        )

    def test_bodies_come_from_the_schemas(self, small_openapi: dict[str, Any]) -> None:
        collection, _ = postman.build_collection(small_openapi)
        bodies = {
            operation_of(item): json.loads(item["request"]["body"]["raw"])
            for f in collection["item"][1:]
            for item in requests_in(f)
            if "body" in item["request"]
        }
        # The contract's fields come from the environment, even over a declared example.
        assert bodies["POST /api/check-user"] == {"identifier": "{{identifier}}"}
        assert bodies["POST /api/define-password"] == {
            "identifier": "{{identifier}}",
            "password": "{{password}}",
            "confirmPassword": "{{password}}",
        }
        assert bodies["PATCH /api/user/me"] == {
            "nom": "Kouassi",
            "prenom": "Awa",
            "pays": "CI",
            "email": "nouveau.client@example.com",
            "telephone": "0701020304",
            "age": 18,
            "adresses": [{"ville": "Abidjan", "commune": "exemple"}],
        }

    def test_path_and_query_parameters(self, small_openapi: dict[str, Any]) -> None:
        collection, _ = postman.build_collection(small_openapi)
        item = next(
            i
            for i in requests_in(folder(collection, "Administration"))
            if operation_of(i) == "GET /api/admin/utilisateurs/{id_user}"
        )
        url = item["request"]["url"]
        assert url["raw"] == "{{baseUrl}}/api/admin/utilisateurs/:id_user"
        assert url["variable"] == [{"key": "id_user", "value": "{{id_user}}"}]
        assert url["query"] == [{"key": "page", "value": "1", "disabled": True}]


class TestOnboardingFlow:
    def test_the_flow_comes_first_in_three_ordered_folders(self, openapi: dict[str, Any]) -> None:
        collection, _ = postman.build_collection(openapi)
        flow = collection["item"][0]
        assert flow["name"] == postman.ONBOARDING_FOLDER
        names = [f["name"] for f in flow["item"]]
        assert names in (FLOW_FOLDERS, APP_FLOW_FOLDERS)
        assert (names == APP_FLOW_FOLDERS) == ("POST /api/transferts" in openapi_keys(openapi))
        assert [operation_of(i) for i in folder(flow, SIGNUP_FOLDER)["item"]] == [
            "POST /api/check-user",
            "POST /api/register-user",
            "POST /api/check-user",
            "POST /api/define-password",
            "POST /api/generate-otp",
            "POST /api/verify-otp",
            "POST /api/auth/login",
            "POST /api/verify-pin",
        ]
        assert [operation_of(i) for i in folder(flow, SESSION_FOLDER)["item"]] == [
            "POST /api/verify-otp",
            "GET /api/user/me",
            "POST /api/auth/login",
            "POST /api/auth/refresh",
            "POST /api/auth/refresh",
            "POST /api/auth/logout",
            "POST /api/auth/refresh",
            "GET /api/user/me",
            "POST /api/auth/refresh",
            "GET /api/user/me",
        ]
        assert [operation_of(i) for i in folder(flow, ADMIN_FOLDER)["item"]] == [
            "POST /api/auth/login",
            "GET /admin/utilisateurs",
            "GET /admin/utilisateurs",
        ]

    def test_every_flow_request_tests_status_and_success(self, openapi: dict[str, Any]) -> None:
        collection, _ = postman.build_collection(openapi)
        for item in requests_in(collection["item"][0]):
            text = script(item)
            assert "pm.response.code" in text, item["name"]
            if "sandbox" in item["request"]["url"]["path"]:
                continue  # the sandbox's payment page is HTML: its text is checked instead
            assert "body.success" in text, item["name"]

    def test_tokens_are_stored_and_reused(self, small_openapi: dict[str, Any]) -> None:
        collection, _ = postman.build_collection(small_openapi)
        signup, session, admin = FLOW_FOLDERS
        register = step(collection, signup, "Inscription sans mot de passe")
        assert 'pm.environment.set("id_user", body.id_user)' in script(register)
        verify = step(collection, session, "Valider le code OTP")
        assert json.loads(verify["request"]["body"]["raw"])["otpCode"] == "{{otp}}"
        assert 'pm.environment.set("token", body.token)' in script(verify)
        assert 'pm.environment.set("refreshToken", body.refresh_token)' in script(verify)
        me = step(collection, session, "Mon profil")
        assert me["request"]["auth"]["bearer"][0]["value"] == "{{token}}"
        assert '"mdp"' in script(me)
        login = step(collection, admin, "Connexion administrateur")
        assert 'pm.environment.set("adminToken", body.token)' in script(login)
        anonymous = step(collection, admin, "Liste sans jeton")
        assert anonymous["request"]["auth"] == {"type": "noauth"}

    def test_a_missing_route_of_the_flow_is_an_error(self, small_openapi: dict[str, Any]) -> None:
        document = json.loads(json.dumps(small_openapi))
        del document["paths"]["/api/verify-pin"]
        with pytest.raises(ValueError, match="POST /api/verify-pin"):
            postman.build_collection(document)

    def test_a_field_the_schema_lacks_is_an_error(self, small_openapi: dict[str, Any]) -> None:
        document = json.loads(json.dumps(small_openapi))
        del document["components"]["schemas"]["PasswordIn"]["properties"]["confirmPassword"]
        with pytest.raises(ValueError, match="confirmPassword"):
            postman.build_collection(document)


class TestFlowFiles:
    """The flows are data (src/hostolink_devtools/postman/flows/*.yaml): a slip in a file is
    refused by name rather than silently changing the collection."""

    def test_the_committed_flows_are_the_folders_newman_runs(self) -> None:
        flows = postman.flows()
        assert [flow.name for flow in flows] == APP_FLOW_FOLDERS
        assert [flow.name for flow in flows if flow.contract] == FLOW_FOLDERS
        wallet = flows[APP_FLOW_FOLDERS.index("4 - Portefeuille")]
        assert wallet.steps[0] is flows[2].steps[0]  # repeated: the administrator's login

    @pytest.mark.parametrize(
        ("step", "refused"),
        [
            ("{name: a, operation: GET /x, chek: {}}", "unknown step keys \\['chek'\\]"),
            (
                "{name: a, operation: GET /x, query: {page: 1}}",
                "query: expected a mapping of texts",
            ),
            ("{repeat: Autre / a}", "no earlier step 'Autre / a'"),
        ],
    )
    def test_a_slip_in_a_flow_file_is_refused(
        self, tmp_path: Path, step: str, refused: str
    ) -> None:
        (tmp_path / "1-essai.yaml").write_text(
            f"name: Essai\ndescription: d\nsteps:\n  - {step}\n", encoding="utf-8"
        )
        with pytest.raises(ValueError, match=f"1-essai.yaml.*{refused}"):
            postman.flows(tmp_path)


class TestEnvironment:
    def test_variables_and_defaults(self, small_openapi: dict[str, Any]) -> None:
        _, environment = postman.build_collection(small_openapi)
        values = {v["key"]: v["value"] for v in environment["values"]}
        assert values["baseUrl"] == "http://localhost:3000"
        assert "@" in values["identifier"]
        for key in ("otp", "adminIdentifier", "adminPassword", "token", "refreshToken"):
            assert values[key] == ""
        assert {"adminToken", "id_user", "password"} <= values.keys()

    def test_every_variable_the_collection_uses_is_declared(self, openapi: dict[str, Any]) -> None:
        collection, environment = postman.build_collection(openapi)
        used = set(re.findall(r"\{\{(\w+)\}\}", json.dumps(collection)))
        used |= set(re.findall(r"pm\.environment\.set\(\W(\w+)", json.dumps(collection)))
        assert used <= {v["key"] for v in environment["values"]}


class TestDeterminism:
    def test_two_builds_are_identical(self, openapi: dict[str, Any]) -> None:
        first = [postman.render(d) for d in postman.build_collection(openapi)]
        second = [
            postman.render(d) for d in postman.build_collection(json.loads(json.dumps(openapi)))
        ]
        assert first == second

    def test_write_files(self, small_openapi: dict[str, Any], tmp_path: Path) -> None:
        paths = postman.write_files(small_openapi, tmp_path / "postman")
        assert [p.name for p in paths] == [postman.COLLECTION_FILE, postman.ENVIRONMENT_FILE]
        for path, document in zip(paths, postman.build_collection(small_openapi), strict=True):
            text = path.read_text(encoding="utf-8")
            assert text.endswith("}\n")
            assert text == json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        collection = json.loads(paths[0].read_text(encoding="utf-8"))
        assert collection["info"]["schema"].endswith("/v2.1.0/collection.json")
