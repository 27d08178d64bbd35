# JupyterHub for a workshop of many participants (see deploy/README.md). Start it from the repository with
#     make hub            (or: .venv/bin/jupyterhub -f deploy/jupyterhub/jupyterhub_config.py)
# Every setting that differs between workshops comes from an environment variable (defaults in brackets):
#   EXSITU_HUB_BIND_URL     where participants connect [http://127.0.0.1:8000]; put TLS in front (deploy/README.md)
#   EXSITU_HUB_DATA         the hub's state, cookie secret and participants' folders [/srv/exsitu-hub]
#   EXSITU_HUB_RUN_AS       Unix account the participants' servers run as [the hub's own account]
#   EXSITU_HUB_ADMINS       comma-separated facilitators' user names (hub admins) [facilitator]
#   EXSITU_HUB_OPEN_SIGNUP  1: anyone who can reach the hub may sign up and log in at once; 0: a facilitator
#                           approves each sign-up at /hub/authorize [0]
#   EXSITU_HUB_MEM_LIMIT    memory per participant [1G];  EXSITU_HUB_CPU_LIMIT  CPUs per participant [1]
#   EXSITU_HUB_CULL_TIMEOUT seconds of inactivity before a participant's server is stopped [3600]
#   EXSITU_DATABASE_URL     the workshop store, shared by every participant's server: PostgreSQL, e.g.
#                           postgresql+psycopg://exsitu:<password>@127.0.0.1:5432/exsitu  (required for workshops)
# deploy/z2jh/values.yaml carries the same settings for Kubernetes; tests/test_hub.py checks they agree.
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))

c = get_config()  # noqa: F821 (JupyterHub provides get_config)

# ------------------------------------------------------------------ the settings the z2jh values file repeats
MEM_LIMIT = os.environ.get("EXSITU_HUB_MEM_LIMIT", "1G")
CPU_LIMIT = float(os.environ.get("EXSITU_HUB_CPU_LIMIT", "1"))
CULL_TIMEOUT = int(os.environ.get("EXSITU_HUB_CULL_TIMEOUT", "3600"))
CULL_EVERY = 60
DEFAULT_URL = "/voila/tree"  # the apps' landing page (apps/voila.py); the workbench is its first link
STORE_ENV = "EXSITU_DATABASE_URL"
ADMINS = {name.strip() for name in os.environ.get("EXSITU_HUB_ADMINS", "facilitator").split(",") if name.strip()}
OPEN_SIGNUP = os.environ.get("EXSITU_HUB_OPEN_SIGNUP", "0") == "1"

DATA = Path(os.environ.get("EXSITU_HUB_DATA", "/srv/exsitu-hub"))
APPS = REPO / "apps"
VENV_BIN = Path(sys.executable).parent

# ------------------------------------------------------------------ the hub
DATA.mkdir(parents=True, exist_ok=True, mode=0o700)
c.JupyterHub.bind_url = os.environ.get("EXSITU_HUB_BIND_URL", "http://127.0.0.1:8000")
c.JupyterHub.db_url = os.environ.get("EXSITU_HUB_DB_URL", f"sqlite:///{DATA / 'jupyterhub.sqlite'}")
c.JupyterHub.cookie_secret_file = str(DATA / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(DATA / "jupyterhub.pid")
c.ConfigurableHTTPProxy.pid_file = str(DATA / "jupyterhub-proxy.pid")
proxy = HERE / "node_modules" / ".bin" / "configurable-http-proxy"  # `make hub-proxy` (npm ci) installs it
c.ConfigurableHTTPProxy.command = [str(proxy) if proxy.exists() else "configurable-http-proxy"]
c.JupyterHub.cleanup_servers = True

# ------------------------------------------------------------------ login: participants sign up in the browser
c.JupyterHub.authenticator_class = "nativeauthenticator.NativeAuthenticator"
__import__("exsitu_hub").patch_nativeauthenticator()  # NativeAuthenticator 1.3.0 + JupyterHub 6 (see there)
c.JupyterHub.template_paths = [str(Path(__import__("nativeauthenticator").__file__).parent / "templates")]
c.Authenticator.admin_users = ADMINS
c.Authenticator.allow_all = True  # NativeAuthenticator decides: approved sign-ups (or all, with open sign-up)
c.NativeAuthenticator.open_signup = OPEN_SIGNUP
c.NativeAuthenticator.minimum_password_length = 8
c.NativeAuthenticator.check_common_password = True
c.NativeAuthenticator.allowed_failed_logins = 5
c.NativeAuthenticator.seconds_before_next_try = 60

# ------------------------------------------------------------------ each participant's own server: Voilà only
c.JupyterHub.spawner_class = "exsitu_hub.WorkshopSpawner"
c.WorkshopSpawner.run_as = os.environ.get("EXSITU_HUB_RUN_AS", "")
c.WorkshopSpawner.home_dir_template = str(DATA / "users" / "{username}")
c.Spawner.cmd = [str(VENV_BIN / "jupyterhub-singleuser")]
c.Spawner.args = [f"--ServerApp.root_dir={APPS}"]
c.Spawner.default_url = DEFAULT_URL
c.Spawner.mem_limit = MEM_LIMIT
c.Spawner.cpu_limit = CPU_LIMIT
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.Spawner.environment = {
    # a plain jupyter-server with the hub's extension (not JupyterLab), configured by singleuser/ and apps/
    "JUPYTERHUB_SINGLEUSER_APP": "jupyter_server.serverapp.ServerApp",
    "JUPYTER_CONFIG_PATH": os.pathsep.join([str(HERE / "singleuser"), str(APPS)]),
    "EXSITU_HUB_SINGLEUSER": "1",
    "PYTHONPATH": str(REPO / "src"),
    "MPLBACKEND": "Agg",
}
if os.environ.get(STORE_ENV):
    c.Spawner.environment[STORE_ENV] = os.environ[STORE_ENV]  # the workshop store every group shares

# ------------------------------------------------------------------ idle culling: jupyterhub-idle-culler
c.JupyterHub.services = [{
    "name": "idle-culler",
    "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={CULL_TIMEOUT}",
                f"--cull-every={CULL_EVERY}"],
}]
c.JupyterHub.load_roles = [{
    "name": "idle-culler",
    "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
    "services": ["idle-culler"],
}]

# ------------------------------------------------------------------ a local override (tests, one-off settings)
# A Python file run here with this file's names (c, MEM_LIMIT, ...), so it can change or extend any setting.
override = os.environ.get("EXSITU_HUB_CONFIG_OVERRIDE")
if override:
    exec(compile(Path(override).read_text(), override, "exec"), globals())
