"""The Docker Compose deployment, checked without a Docker engine or a database.

compose.yaml, the Dockerfile, deploy/nginx.conf and deploy/env.example must agree with each other and with
portal/settings/prod.py; each test names the file to fix when they drift apart. Two tests also run the
project's Python with nothing but env.example's variables: prod settings load, and collectstatic (the migrate
service's second step) succeeds.
"""

import ast
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "compose.yaml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
NGINX_CONF = ROOT / "deploy" / "nginx.conf"
ENV_EXAMPLE = ROOT / "deploy" / "env.example"
PROD_SETTINGS = ROOT / "portal" / "settings" / "prod.py"

SERVICES = {"postgis", "redis", "web", "worker", "beat", "nginx"}
APP_SERVICES = ("migrate", "web", "worker", "beat")
SECRETS = {"SECRET_KEY", "POSTGRES_PASSWORD", "DATABASE_URL"}
SECRET_WORDS = ("PASSWORD", "SECRET", "TOKEN")


# --- reading compose.yaml ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def env_files(service: dict) -> list[tuple[str, bool]]:
    """(path, required) for each env_file entry, in either of Compose's spellings."""
    raw = service.get("env_file", [])
    entries = [raw] if isinstance(raw, str | dict) else raw
    return [(e, True) if isinstance(e, str) else (e["path"], e.get("required", True)) for e in entries]


def environment(service: dict) -> dict[str, str | None]:
    raw = service.get("environment") or {}
    if isinstance(raw, dict):
        return {key: None if value is None else str(value) for key, value in raw.items()}
    pairs = (item.partition("=") for item in raw)
    return {key: value if sep else None for key, sep, value in pairs}


def build_of(service: dict) -> tuple[Path, str] | None:
    build = service.get("build")
    if build is None:
        return None
    if isinstance(build, str):
        build = {"context": build}
    return (ROOT / build.get("context", ".")).resolve(), build.get("dockerfile", "Dockerfile")


@dataclass(frozen=True)
class Mount:
    source: str
    target: str
    read_only: bool

    @property
    def named_volume(self) -> bool:
        return not self.source.startswith(("/", ".", "~"))


def mounts(service: dict) -> list[Mount]:
    result = []
    for entry in service.get("volumes", []):
        if isinstance(entry, dict):
            result.append(Mount(entry.get("source", ""), entry["target"], bool(entry.get("read_only"))))
            continue
        source, _, rest = entry.partition(":")
        target, _, mode = rest.partition(":")
        result.append(Mount(source, target, "ro" in mode.split(",")))
    return result


def command(service: dict) -> list[str]:
    raw = service.get("command", [])
    return raw.split() if isinstance(raw, str) else [str(part) for part in raw]


def option(args: list[str], name: str) -> str | None:
    """The value of `--name value` or `--name=value` in a command line."""
    for i, arg in enumerate(args):
        if arg == name and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


# --- reading nginx.conf --------------------------------------------------------------------------------------


@dataclass
class Directive:
    name: str
    args: list[str]
    block: list["Directive"] | None


TOKEN = re.compile(r""""(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|#[^\n]*|[{};]|[^\s{};"'#]+""")


def parse_nginx(text: str) -> list[Directive]:
    tokens = [tok for tok in TOKEN.findall(text) if not tok.startswith("#")]
    stack: list[list[Directive]] = [[]]
    words: list[str] = []
    for tok in tokens:
        if tok in (";", "{"):
            if not words:
                raise ValueError(f"{NGINX_CONF}: '{tok}' without a directive name")
            directive = Directive(words[0], words[1:], [] if tok == "{" else None)
            stack[-1].append(directive)
            if directive.block is not None:
                stack.append(directive.block)
            words = []
        elif tok == "}":
            if words or len(stack) == 1:
                raise ValueError(f"{NGINX_CONF}: unbalanced '}}' or a directive missing its ';'")
            stack.pop()
        else:
            words.append(tok[1:-1] if tok[0] in "\"'" else tok)
    if words or len(stack) != 1:
        raise ValueError(f"{NGINX_CONF}: unterminated block or directive")
    return stack[0]


def named(block: list[Directive], name: str) -> list[Directive]:
    return [d for d in block if d.name == name]


def inherited(name: str, *blocks: list[Directive]) -> list[Directive]:
    """nginx inheritance: the innermost block that sets `name` at all wins, outer ones are ignored."""
    for block in blocks:
        found = named(block, name)
        if found:
            return found
    return []


@pytest.fixture(scope="module")
def nginx() -> dict:
    top = parse_nginx(NGINX_CONF.read_text())
    servers = named(top, "server")
    assert len(servers) == 1, f"{NGINX_CONF}: expected one server block, found {len(servers)}"
    server = servers[0].block
    locations = {d.args[-1]: d.block for d in named(server, "location")}
    return {"top": top, "server": server, "locations": locations}


def size_in_bytes(value: str) -> int:
    match = re.fullmatch(r"(\d+)([kKmMgG]?)", value)
    assert match, f"unreadable nginx size {value!r}"
    return int(match[1]) * 1024 ** " kmg".index((match[2] or " ").lower())


# --- reading env.example and prod.py -------------------------------------------------------------------------

ASSIGNMENT = re.compile(r"^(?P<commented>#\s*)?(?P<key>[A-Z][A-Z0-9_]*)=(?P<value>.*)$")


def env_example() -> tuple[dict[str, str], set[str]]:
    """(variables set, variables only mentioned in a commented-out `# NAME=value` line)."""
    values: dict[str, str] = {}
    commented: set[str] = set()
    for line in ENV_EXAMPLE.read_text().splitlines():
        match = ASSIGNMENT.match(line.strip())
        if not match:
            continue
        if match["commented"]:
            commented.add(match["key"])
        else:
            assert match["key"] not in values, f"{ENV_EXAMPLE}: {match['key']} is set twice"
            values[match["key"]] = match["value"]
    return values, commented


def _is_environ(node: ast.AST | None) -> bool:
    attribute = isinstance(node, ast.Attribute) and node.attr == "environ"
    return attribute or isinstance(node, ast.Name) and node.id == "environ"


def _string_args(args: list[ast.expr], what: str) -> list[str]:
    names = []
    for arg in args:
        if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
            pytest.fail(f"{PROD_SETTINGS}:{arg.lineno}: {what} is given something other than a string literal; "
                        f"this test reads the names statically, so spell them out or teach it the new form")
        names.append(arg.value)
    return names


def prod_variables() -> tuple[set[str], set[str]]:
    """(variables prod.py requires, every variable it reads), found in its source without importing it."""
    tree = ast.parse(PROD_SETTINGS.read_text(), filename=str(PROD_SETTINGS))
    required: set[str] = set()
    read: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if called == "require":
                required.update(_string_args(node.args, "require(...)"))
            elif called == "getenv" or called == "get" and _is_environ(getattr(func, "value", None)):
                read.update(_string_args(node.args[:1], f"{called}(...)"))  # the rest is a default
        elif isinstance(node, ast.Subscript) and _is_environ(node.value):
            required.update(_string_args([node.slice], "os.environ[...]"))
    return required, read | required


# --- compose.yaml --------------------------------------------------------------------------------------------


def test_the_six_services_and_the_one_shot_migrate_exist(services):
    missing = (SERVICES | {"migrate"}) - services.keys()
    assert not missing, f"{COMPOSE}: missing services {sorted(missing)}"


def test_app_services_run_prod_settings_and_read_the_required_env_file(services):
    for name in APP_SERVICES:
        service = services[name]
        assert environment(service).get("DJANGO_SETTINGS_MODULE") == "portal.settings.prod", name
        assert (".env", True) in env_files(service), f"{name} must read env_file .env, required"


def test_postgis_takes_its_credentials_from_the_env_file(services):
    assert (".env", True) in env_files(services["postgis"])
    assert services["postgis"]["image"] == "postgis/postgis:15-3.4"


def test_compose_holds_no_credential(services):
    for name, service in services.items():
        env = environment(service)
        written = sorted(key for key in env if key in SECRETS or any(word in key for word in SECRET_WORDS))
        assert not written, f"{COMPOSE}: service {name} sets {written} in environment; they belong in .env"
    # Nor a password inside a URL anywhere else (a command, a healthcheck, an anchor).
    assert not re.search(r"\w+://[^\s/:@]+:[^\s/@]+@", COMPOSE.read_text()), f"{COMPOSE}: a URL carries a password"


def test_app_services_are_built_from_one_dockerfile_into_one_image(services):
    builds = {name: build_of(services[name]) for name in APP_SERVICES}
    images = {name: services[name].get("image") for name in APP_SERVICES}
    assert builds["web"] is not None, "web must be built from the repository's Dockerfile"
    assert len(set(builds.values())) == 1, f"app services are built differently: {builds}"
    assert len(set(images.values())) == 1 and images["web"], f"app services run different images: {images}"
    context, dockerfile = builds["web"]
    assert (context / dockerfile).resolve() == DOCKERFILE


def test_commands_are_uvicorn_and_celery(services):
    web = command(services["web"])
    assert web[:2] == ["uvicorn", "portal.asgi:application"], web
    # One worker per container (scale containers): uvicorn's multi-worker listener stalls keep-alive requests.
    assert option(web, "--port") == "8000" and option(web, "--workers") == "1", web
    assert command(services["worker"])[:4] == ["celery", "-A", "portal", "worker"]
    beat = command(services["beat"])
    assert beat[:4] == ["celery", "-A", "portal", "beat"]
    # The image's user can write /tmp but not the source tree beat would otherwise put its schedule in.
    schedule = option(beat, "--schedule") or option(beat, "-s") or ""
    assert schedule.startswith("/tmp/"), beat  # noqa: S108 (a path compared, not a file used)


def test_migrations_and_collectstatic_run_once_before_the_app_starts(services):
    migrate = services["migrate"]
    script = " ".join(command(migrate))
    assert "manage.py migrate" in script and "manage.py collectstatic" in script, script
    assert script.index("migrate") < script.index("collectstatic")
    assert str(migrate.get("restart", "no")) == "no", "a one-shot service must not be restarted after it exits"
    for name in ("web", "worker", "beat"):
        depends = services[name].get("depends_on", {})
        assert isinstance(depends, dict), f"{name}: depends_on needs conditions, not a bare list"
        assert depends.get("migrate", {}).get("condition") == "service_completed_successfully", name
        for server in ("postgis", "redis"):
            assert depends.get(server, {}).get("condition") == "service_healthy", f"{name} -> {server}"
        assert "migrate" not in command(services[name]), f"{name} must not migrate again"
    assert migrate["depends_on"]["postgis"]["condition"] == "service_healthy"


def test_postgis_and_redis_report_health(services):
    assert "pg_isready" in " ".join(services["postgis"]["healthcheck"]["test"])
    assert "redis-cli" in " ".join(services["redis"]["healthcheck"]["test"])
    assert services["redis"]["image"] == "redis:7"
    assert any(m.target == "/var/lib/postgresql/data" and m.named_volume for m in mounts(services["postgis"]))


def test_workers_scale_and_only_nginx_is_published(services):
    worker = services["worker"]
    assert "container_name" not in worker, "a fixed container_name stops `--scale worker=3`"
    assert "hostname" not in worker, "a fixed hostname gives every worker the same Celery node name"
    published = sorted(name for name, service in services.items() if service.get("ports"))
    assert published == ["nginx"], f"only nginx should publish a port, not {published}"


def test_collectstatic_output_reaches_nginx(compose, services, nginx):
    static_root = environment(services["migrate"]).get("STATIC_ROOT")
    assert static_root, "migrate must pin STATIC_ROOT to the static volume's mount point"
    written = [m for m in mounts(services["migrate"]) if m.target == static_root and m.named_volume]
    assert written and not written[0].read_only, f"migrate must mount a named volume, writable, at {static_root}"
    volume = written[0].source
    assert volume in (compose.get("volumes") or {}), f"{COMPOSE}: volume {volume!r} is not declared"
    served = [m for m in mounts(services["nginx"]) if m.source == volume]
    assert served, f"nginx does not mount the {volume!r} volume collectstatic fills"
    static = nginx["locations"].get("/static/")
    assert static is not None, f"{NGINX_CONF}: no `location /static/`"
    alias = [d.args[0] for d in named(static, "alias")]
    root = [d.args[0].rstrip("/") + "/static/" for d in inherited("root", static, nginx["server"])]
    directory = (alias or root or [""])[0]
    assert directory.rstrip("/") == served[0].target.rstrip("/"), (
        f"nginx serves /static/ from {directory!r} but mounts the volume at {served[0].target!r}")
    for name in ("web", "worker", "beat"):
        assert environment(services[name]).get("STATIC_ROOT") == static_root, f"{name} sees another STATIC_ROOT"
    web_static = [m for m in mounts(services["web"]) if m.target == static_root]
    assert web_static and web_static[0].source == volume, "web reads the static manifest from that volume"


# --- nginx ---------------------------------------------------------------------------------------------------


def test_nginx_service_uses_deploy_nginx_conf(services):
    conf = [m for m in mounts(services["nginx"]) if (ROOT / m.source).resolve() == NGINX_CONF]
    assert conf, f"the nginx service does not mount {NGINX_CONF.relative_to(ROOT)}"
    assert conf[0].target.startswith("/etc/nginx/conf.d/") and conf[0].target.endswith(".conf")
    assert services["nginx"]["image"] == "nginx:1.27"


def test_nginx_proxies_everything_else_to_web(services, nginx):
    root = nginx["locations"].get("/")
    assert root is not None, f"{NGINX_CONF}: no `location /`"
    passes = named(root, "proxy_pass")
    assert len(passes) == 1, f"{NGINX_CONF}: `location /` needs exactly one proxy_pass"
    target = passes[0].args[0]
    if target.startswith("$"):
        sets = {d.args[0]: d.args[1] for d in named(root, "set") + named(nginx["server"], "set")}
        target = sets.get(target, target)
    parts = urlsplit(target)
    assert (parts.scheme, parts.hostname, parts.port) == ("http", "web", 8000), target
    assert option(command(services["web"]), "--port") == str(parts.port), "nginx and uvicorn disagree on the port"

    headers = {d.args[0].lower(): d.args[1] for d in inherited("proxy_set_header", root, nginx["server"], nginx["top"])}
    for header in ("x-forwarded-proto", "x-forwarded-for", "host", "upgrade", "connection"):
        assert header in headers, f"{NGINX_CONF}: `location /` does not set {header}"
    assert headers["upgrade"] == "$http_upgrade"
    assert [d.args for d in named(root, "proxy_http_version")] == [["1.1"]], "WebSocket needs HTTP/1.1 upstream"


def test_nginx_accepts_large_uploads(nginx):
    sizes = inherited("client_max_body_size", nginx["locations"]["/"], nginx["server"], nginx["top"])
    assert sizes, f"{NGINX_CONF}: client_max_body_size is unset (nginx's default is 1m)"
    assert size_in_bytes(sizes[0].args[0]) >= 100 * 1024**2


def test_the_nginx_parser_sees_structure_not_words():
    parsed = parse_nginx("# proxy_pass http://web:8000;\nserver { location / { proxy_pass 'http://a:1'; } }")
    assert [d.name for d in parsed] == ["server"]
    assert named(parsed[0].block[0].block, "proxy_pass")[0].args == ["http://a:1"]
    with pytest.raises(ValueError):
        parse_nginx("server { location / { proxy_pass http://web:8000 } }")


# --- env.example ---------------------------------------------------------------------------------------------


def test_env_example_names_every_variable_prod_requires():
    required, _ = prod_variables()
    assert {"SECRET_KEY", "DATABASE_URL"} <= required, f"could not read require(...) in {PROD_SETTINGS}: {required}"
    values, _ = env_example()
    missing = sorted(name for name in required if not values.get(name))
    assert not missing, f"{ENV_EXAMPLE} does not set {missing}, which {PROD_SETTINGS.name} requires"


def test_env_example_mentions_every_variable_prod_reads():
    _, read = prod_variables()
    values, commented = env_example()
    missing = sorted(read - values.keys() - commented)
    assert not missing, f"{ENV_EXAMPLE} does not mention {missing}, which {PROD_SETTINGS.name} reads"


def test_env_example_documents_the_deployment_variables():
    values, _ = env_example()
    wanted = {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS",
              "POSTGRES_PASSWORD", "POSTGRES_USER", "POSTGRES_DB", "STATIC_ROOT", "MEDIA_ROOT"}
    assert not wanted - values.keys(), f"{ENV_EXAMPLE} misses {sorted(wanted - values.keys())}"


def test_env_example_holds_placeholders_that_fit_the_stack(services):
    values, _ = env_example()
    for secret in ("SECRET_KEY", "POSTGRES_PASSWORD"):
        assert values[secret] == "change-me", f"{ENV_EXAMPLE}: {secret} must stay a placeholder"
    database = urlsplit(values["DATABASE_URL"])
    assert database.hostname == "postgis", "DATABASE_URL must point at the postgis service"
    assert (database.username, database.password, database.path.lstrip("/")) == (
        values["POSTGRES_USER"], values["POSTGRES_PASSWORD"], values["POSTGRES_DB"]
    ), "DATABASE_URL must name the user, password and database the postgis service creates"
    assert urlsplit(values["REDIS_URL"]).hostname == "redis", "REDIS_URL must point at the redis service"
    pinned = environment(services["web"])
    for name in ("STATIC_ROOT", "MEDIA_ROOT"):
        assert values[name] == pinned[name], f"{ENV_EXAMPLE}: {name} differs from what compose.yaml pins"


def test_prod_settings_start_from_env_example_alone():
    values, _ = env_example()
    env = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "portal.settings.prod", **values}
    probe = ("from django.conf import settings; "
             "print(settings.DATABASES['default']['HOST'], settings.CELERY_BROKER_URL, settings.STATIC_ROOT)")
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["postgis", values["REDIS_URL"], values["STATIC_ROOT"]]


def test_collectstatic_as_the_migrate_service_runs_it():
    """Prod settings, the manifest storage and node_modules' MapLibre and Leaflet: what migrate does before web
    starts."""
    values, _ = env_example()
    with tempfile.TemporaryDirectory() as tmp:  # ~100 MB of output: removed at once, not kept by pytest
        static = Path(tmp) / "static"
        env = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "portal.settings.prod", **values,
               "STATIC_ROOT": str(static), "MEDIA_ROOT": str(Path(tmp) / "media")}
        result = subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput"], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr[-2000:]
        manifest = json.loads((static / "staticfiles.json").read_text())["paths"]
    for needed in ("portal/portal.css", "vendor/maplibre-gl/maplibre-gl.js", "vendor/maplibre-gl/maplibre-gl.css",
                   "vendor/leaflet/leaflet.js", "vendor/leaflet/leaflet.css", "vendor/leaflet/images/layers.png",
                   "reports/report.css"):
        assert needed in manifest, f"collectstatic did not produce {needed}"
    # Only the files pages load: no source maps nor dev builds of the npm packages.
    vendored = [path for path in manifest if path.startswith("vendor/")]
    assert not [path for path in vendored if path.endswith(".map") or "-src" in path or "-dev" in path], vendored


# --- Dockerfile and .dockerignore ----------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    lines = (line.strip() for line in text.splitlines())
    return [(word.upper(), rest.strip()) for word, _, rest in (
        line.partition(" ") for line in lines if line and not line.startswith("#"))]


def test_dockerfile_builds_an_unprivileged_python_311_image():
    steps = dockerfile_instructions()
    bases = [rest.split()[0] for word, rest in steps if word == "FROM"]
    assert bases and set(bases) == {"python:3.11-slim-bookworm"}, bases
    final_stage = steps[max(i for i, (word, _) in enumerate(steps) if word == "FROM"):]
    users = [rest for word, rest in final_stage if word == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0"), "the runtime image must not run as root"
    runs = " ".join(rest for word, rest in steps if word == "RUN")
    for needed in ("requirements.lock", "pip install --no-deps .", "npm ci", "msgfmt",
                   "libgdal32", "libgeos-c1v5", "libproj25", "gdal-bin"):
        assert needed in runs, f"{DOCKERFILE}: no RUN step does {needed!r}"
    assert "collectstatic" not in runs, "collectstatic needs prod secrets: run it at start (migrate), not at build"


def test_dockerignore_keeps_local_state_and_secrets_out_of_the_image():
    patterns = {line.strip().rstrip("/") for line in DOCKERIGNORE.read_text().splitlines()}
    for needed in (".venv", ".data", "node_modules", ".git", ".env"):
        assert needed in patterns, f"{DOCKERIGNORE} does not exclude {needed}"
    assert patterns & {"__pycache__", "**/__pycache__"}, f"{DOCKERIGNORE} does not exclude __pycache__"


# --- scale-out: the read replica and nginx's tile cache ------------------------------------------------------


def test_a_streaming_replica_is_made_by_the_deploy_scripts(services):
    primary, replica = services["postgis"], services["postgis-replica"]
    init = [m for m in mounts(primary) if (ROOT / m.source).resolve() == ROOT / "deploy/postgres/primary-init.sh"]
    assert init and init[0].target.startswith("/docker-entrypoint-initdb.d/"), "the replication role is not made"
    script = [m for m in mounts(replica) if (ROOT / m.source).resolve() == ROOT / "deploy/postgres/replica.sh"]
    assert script and replica["entrypoint"][-1] == script[0].target, "the replica does not run replica.sh"
    assert replica["image"] == primary["image"] and replica.get("user") == "postgres"
    assert environment(replica)["PRIMARY_HOST"] == "postgis"
    assert any(m.target == "/var/lib/postgresql/data" and m.named_volume for m in mounts(replica))
    assert "pg_isready" in " ".join(replica["healthcheck"]["test"])
    assert services["web"]["depends_on"]["postgis-replica"]["condition"] == "service_healthy"
    assert "wal_keep_size" in " ".join(command(primary)), "a replica that falls behind could not catch up"


def test_nginx_caches_public_tiles_and_passes_credentials_through(services, nginx):
    tiles = nginx["locations"].get("/tiles/")
    assert tiles is not None, f"{NGINX_CONF}: no `location /tiles/`"
    [zone] = [d.args[0] for d in named(tiles, "proxy_cache")]
    paths = [d for d in named(nginx["top"], "proxy_cache_path") if f"keys_zone={zone}:" in " ".join(d.args)]
    assert paths, f"{NGINX_CONF}: no proxy_cache_path makes the {zone!r} zone"
    kept = [m for m in mounts(services["nginx"]) if m.target == paths[0].args[0] and m.named_volume]
    assert kept, "the tile cache is not on a volume"
    for directive in ("proxy_cache_bypass", "proxy_no_cache"):
        args = [arg for d in named(tiles, directive) for arg in d.args]
        # A token or a session gives rights; other cookies (CSRF, language), which every visitor has, do not.
        session = f"$cookie_{settings.SESSION_COOKIE_NAME}"  # the name nginx.conf spells out must be Django's
        assert "$http_authorization" in args and session in args, f"{directive} must skip callers with rights"
        assert "$http_cookie" not in args, f"{directive} would skip every visitor who opened a page"
    assert named(tiles, "proxy_pass")[0].args == named(nginx["locations"]["/"], "proxy_pass")[0].args


def test_env_example_points_the_replica_url_at_the_replica_with_the_primarys_credentials():
    values, _ = env_example()
    primary, replica = urlsplit(values["DATABASE_URL"]), urlsplit(values["DATABASE_REPLICA_URL"])
    assert replica.hostname == "postgis-replica", "DATABASE_REPLICA_URL must point at the postgis-replica service"
    assert (replica.username, replica.password, replica.path) == (primary.username, primary.password, primary.path)
    assert values["REPLICATION_PASSWORD"] == "change-me", "REPLICATION_PASSWORD must stay a placeholder"
