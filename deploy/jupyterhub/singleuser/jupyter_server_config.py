# Each participant's single-user server (JupyterHub puts this folder on JUPYTER_CONFIG_PATH): Voilà apps only.
# A participant can open the apps and use their widgets, nothing else: no JupyterLab, no terminals, no
# writing files through the server, and a page's kernel accepts only widget messages (no code execution),
# as with `make apps` (apps/voila.json). The apps' own settings (apps/voila.json, apps/voila.py: the landing
# page) are read by Voilà from the apps folder, which is also on JUPYTER_CONFIG_PATH.
from jupyter_server.services.contents.largefilemanager import LargeFileManager
from tornado import web

c = get_config()  # noqa: F821 (traitlets provides get_config)

c.ServerApp.jpserver_extensions = {
    "voila.server_extension": True,
    "jupyterlab": False,
    "notebook": False,
    "notebook_shim": False,
    "jupyter_lsp": False,
    "jupyter_server_terminals": False,
    "nbgrader.server_extensions.formgrader": False,
    "nbgrader.server_extensions.assignment_list": False,
    "nbgrader.server_extensions.course_list": False,
    "nbgrader.server_extensions.validate_assignment": False,
}
c.ServerApp.terminals_enabled = False
# The same kernel messages Voilà's own server allows: widgets work, code cannot be sent to a kernel.
c.MappingKernelManager.allowed_message_types = [
    "comm_open", "comm_close", "comm_msg", "comm_info_request", "kernel_info_request", "shutdown_request",
]
# Kernels whose page was closed: stopped after 10 minutes with no page connected (the hub's idle culler stops
# the whole server later).
c.MappingKernelManager.cull_idle_timeout = 600
c.MappingKernelManager.cull_interval = 60
c.MappingKernelManager.cull_connected = False
c.MappingKernelManager.cull_busy = False
c.ServerApp.tornado_settings = {"websocket_max_message_size": 64 * 1024 * 1024}


class ReadOnlyContentsManager(LargeFileManager):
    """The apps folder, readable but never written, renamed or deleted through the server (a notebook uploaded
    here could otherwise be rendered, i.e. run, by Voilà)."""

    def save(self, model, path=""):
        raise web.HTTPError(403, "The apps are read-only.")

    def delete_file(self, path):
        raise web.HTTPError(403, "The apps are read-only.")

    def rename_file(self, old_path, new_path):
        raise web.HTTPError(403, "The apps are read-only.")

    def new(self, model=None, path=""):
        raise web.HTTPError(403, "The apps are read-only.")


c.ServerApp.contents_manager_class = ReadOnlyContentsManager
