"""The boundary between a learner's code and the instructor's tests.

Learner code and tests never share a kernel. Each notebook is run in two sandboxed kernels:

- the **learner kernel** runs the read-only cells, the answer cells and any cells the learner added, never a
  test cell (it never even receives a test's source);
- the **test kernel** runs the read-only cells and the test cells, never a line of the learner's code.

Before each test cell, the names the test reads that belong to the learner (every name it loads that no
read-only cell binds and that is not a Python builtin) are pickled in the learner kernel, and the bytes are
unpickled in the test kernel by a restricted unpickler (:data:`TEST_HELPER`): only plain data, numpy, pandas,
``datetime``/``collections`` values and the classes of ``exsitu`` can cross; no function, module or class of
the notebook's own, and no pickle opcode may change an object that existed before. A function the learner
wrote (``def percent_decline``) crosses as a *reference*: calling it in a test sends the arguments back to the
learner kernel (over the kernel's stdin channel, through the grader), runs it there, and brings the result
back across the same restricted unpickler. So the names the read-only cells define (``categorize``,
``geo``), the ``exsitu`` modules, builtins and IPython's hooks in the test kernel are always the instructor's:
learner code cannot change what a test computes as the expected value, nor whether a test cell runs.

This module also finds what *looks like* tampering in answer cells (:func:`static_tampering`) — the grade does
not depend on it, the report does.
"""

from __future__ import annotations

import ast
import builtins
import re
from typing import Iterable

BUILTIN_NAMES = frozenset(dir(builtins)) | {"__builtins__", "get_ipython", "display", "In", "Out", "exit", "quit"}

IPYTHON_HOOKS = {
    "input_transformers_cleanup", "input_transformers_post", "ast_transformers", "input_transformer_manager",
    "events", "displayhook", "display_formatter", "display_pub", "excepthook", "set_custom_exc",
    "showtraceback", "showsyntaxerror", "user_ns", "user_global_ns", "user_module", "run_cell", "run_cell_async",
    "run_ast_nodes", "run_code", "transform_cell", "kernel", "shell_handlers", "do_execute", "compile",
    "prefilter_manager", "register_magic_function", "custom_exceptions",
}
ALLOWED_IPYTHON = {"run_line_magic", "run_cell_magic", "system", "getoutput"}
SYS_HOOKS = {"modules", "displayhook", "excepthook", "settrace", "setprofile", "meta_path", "path_hooks",
             "addaudithook"}
DYNAMIC = {"exec", "eval", "compile", "__import__"}


def parse_cell(source: str) -> ast.Module | None:
    """A cell's code as Python (IPython magics turned into calls), or None if it does not parse."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        code = TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001 — then try the source as it is
        code = source
    try:
        return ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _top_level_nodes(tree: ast.AST) -> Iterable[ast.AST]:
    """Every node that runs in the module's own scope (not inside a def, lambda, class body or comprehension)."""
    stack = list(ast.iter_child_nodes(tree))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            stack.extend(node.decorator_list)
            if not isinstance(node, ast.ClassDef):
                stack.extend(d for d in node.args.defaults + node.args.kw_defaults if d is not None)
            continue
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            continue
        stack.extend(ast.iter_child_nodes(node))


def bindings(tree: ast.AST | None, loops: bool = True) -> set[str]:
    """Names a cell binds in the notebook's namespace (imports, assignments, def, class; ``for``/``with``
    targets only if ``loops``)."""
    if tree is None:
        return set()
    names: set[str] = set()
    loop_targets: set[int] = set()
    for node in _top_level_nodes(tree):
        if isinstance(node, (ast.For, ast.AsyncFor)):
            loop_targets |= {id(n) for n in ast.walk(node.target)}
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            loop_targets |= {id(n) for item in node.items if item.optional_vars for n in ast.walk(item.optional_vars)}
    for node in _top_level_nodes(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            if loops or id(node) not in loop_targets:
                names.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name != "*":
                    names.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
    return names


def loads(source: str) -> set[str]:
    """Every name a cell reads anywhere (an over-estimate: locals of its functions are included)."""
    tree = parse_cell(source)
    if tree is None:
        return set(re.findall(r"\b[A-Za-z_]\w*\b", source))
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


def _root(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.value if not isinstance(node, ast.Call) else node.func
    return node.id if isinstance(node, ast.Name) else None


def _dotted(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    elif isinstance(node, ast.Call):
        parts.append(_dotted(node.func) + "()")
    return ".".join(reversed(parts))


def static_tampering(source: str, protected: dict[str, str], exsitu_names: set[str]) -> list[str]:
    """What in one answer cell looks like tampering with grading, in words (empty if nothing).

    ``protected``: names the read-only cells above bind (name -> what binds them: "imports", "defines");
    ``exsitu_names``: of those, the ones that are ``exsitu`` modules or objects.
    """
    tree = parse_cell(source)
    if tree is None:
        return []
    found: list[str] = []

    def add(text: str) -> None:
        if text not in found:
            found.append(text)

    own_exsitu = set(exsitu_names)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "exsitu":
                    own_exsitu.add(alias.asname or "exsitu")
                if alias.name in ("builtins", "ctypes"):
                    add(f"imports {alias.name}")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "exsitu":
            own_exsitu |= {a.asname or a.name for a in node.names}
    rebound = bindings(tree, loops=False) & set(protected)
    for name in sorted(rebound):
        add(f"rebinds {name}, which a read-only cell {protected[name]} (the tests use the original)")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            text = _dotted(node)
            if node.attr in IPYTHON_HOOKS and ("get_ipython" in text or _root(node) not in (None,)) and (
                    "get_ipython" in text or node.attr in ("input_transformers_cleanup", "input_transformers_post",
                                                           "ast_transformers")):
                add(f"touches IPython's {node.attr} (how cells are run)")
            if isinstance(node.value, ast.Call) and _dotted(node.value.func) == "get_ipython" \
                    and node.attr not in ALLOWED_IPYTHON and node.attr not in IPYTHON_HOOKS:
                add(f"uses get_ipython().{node.attr}")
            if _root(node) == "sys" and node.attr in SYS_HOOKS and isinstance(node.value, ast.Name):
                add(f"touches sys.{node.attr}")
            if node.attr in ("__code__", "__globals__", "__builtins__", "__dict__", "__class__") and \
                    isinstance(node.ctx, (ast.Store, ast.Del)):
                add(f"changes {text}")
            if isinstance(node.ctx, (ast.Store, ast.Del)) and _root(node) in own_exsitu:
                add(f"changes {text} (an attribute of exsitu)")
            if isinstance(node.ctx, (ast.Store, ast.Del)) and _root(node) in ("builtins", "__builtins__"):
                add(f"changes {text}")
        elif isinstance(node, ast.Name) and node.id == "__builtins__":
            add("uses __builtins__")
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, (ast.Store, ast.Del)) and isinstance(
                node.value, ast.Call) and _dotted(node.value.func) in ("globals", "vars", "locals"):
            add(f"changes {_dotted(node.value.func)}() directly")
        elif isinstance(node, ast.Call):
            name = _dotted(node.func)
            if name in ("setattr", "delattr") and node.args and _root(node.args[0]) in (
                    own_exsitu | {"builtins", "__builtins__", "sys"}):
                add(f"calls {name} on {_dotted(node.args[0]) or 'an exsitu object'}")
            if name.split(".")[-1] == "register" and ".events" in name:
                add(f"registers an IPython event callback ({name})")
            if name in DYNAMIC:
                add(f"runs dynamic code ({name}())")
            if name in ("importlib.reload", "reload", "importlib.import_module"):
                add(f"calls {name}()")
    return found


def protected_names(cells: list[tuple[str, str]]) -> dict[str, str]:
    """Names the read-only cells bind (without loop variables): name -> "imports" or "defines"."""
    result: dict[str, str] = {}
    for kind, source in cells:
        if kind != "locked":
            continue
        tree = parse_cell(source)
        if tree is None:
            continue
        imported = {a.asname or a.name.split(".")[0] for n in _top_level_nodes(tree)
                    if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
        for name in bindings(tree, loops=False):
            result.setdefault(name, "imports" if name in imported else "defines")
    return result


def exsitu_imports(cells: list[tuple[str, str]]) -> set[str]:
    """Names read-only cells import from exsitu (``from exsitu import geo`` -> geo; ``import exsitu``)."""
    names: set[str] = set()
    for kind, source in cells:
        if kind != "locked":
            continue
        tree = parse_cell(source)
        for node in (ast.walk(tree) if tree is not None else ()):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "exsitu":
                names |= {a.asname or a.name for a in node.names}
            elif isinstance(node, ast.Import):
                names |= {a.asname or a.name.split(".")[0] for a in node.names if a.name.split(".")[0] == "exsitu"}
    return names


# -- code run inside the kernels ----------------------------------------------------------------------------
# Both helpers are installed (as the module ``_exsitu_grader``) before any cell runs. Paths are filled in by
# execute.py. The learner helper runs in the learner's kernel, so it is trusted for nothing: whatever it
# writes is read by the test kernel's restricted unpickler only.

LEARNER_HELPER = r'''
def _exsitu_grader_install(folder):
    import builtins, json, os, pickle, sys, types
    mod = types.ModuleType("_exsitu_grader")
    shell = get_ipython()
    ns = shell.user_ns
    functions = {}

    class Out(pickle.Pickler):
        def persistent_id(self, obj):
            if isinstance(obj, (types.FunctionType, types.MethodType)) and (
                    getattr(obj, "__module__", None) in ("__main__", None)
                    or getattr(obj, "__globals__", None) is ns):
                functions[id(obj)] = obj
                return ("fn", id(obj), str(getattr(obj, "__name__", "function"))[:100])
            return None

    def dumps(value):
        import io
        buffer = io.BytesIO()
        Out(buffer, protocol=5).dump(value)
        return buffer.getvalue()

    def describe(error):
        return (type(error).__name__ + ": " + str(error))[:300]

    def snapshot(names, path):
        values, problems = {}, {}
        for name in names:
            if name not in ns:
                continue
            value = ns[name]
            try:
                if isinstance(value, types.ModuleType):
                    raise TypeError("it is a module")
                values[name] = dumps(value)
            except BaseException as error:
                problems[name] = describe(error)
        with open(path, "wb") as handle:
            pickle.dump({"values": values, "problems": problems}, handle, protocol=5)
        return "ok"

    def call(key, path_in, path_out):
        class In(pickle.Unpickler):
            def persistent_load(self, pid):
                return functions[pid[1]]
        with open(path_in, "rb") as handle:
            args, kwargs = In(handle).load()
        try:
            result = {"ok": dumps(functions[key](*args, **kwargs))}
        except BaseException as error:
            name = type(error).__name__
            builtin = isinstance(getattr(builtins, name, None), type) and issubclass(getattr(builtins, name), Exception)
            result = {"error": [name, str(error)[:2000], bool(builtin)]}
        with open(path_out, "wb") as handle:
            pickle.dump(result, handle, protocol=5)
        return "ok"

    def _state():
        state = {}
        for hook in ("input_transformers_cleanup", "input_transformers_post", "ast_transformers"):
            state["IPython's " + hook] = [id(f) for f in getattr(shell, hook, [])]
        for event, callbacks in getattr(shell.events, "callbacks", {}).items():
            state["IPython's events." + event] = [id(f) for f in callbacks]
        for name in ("displayhook", "excepthook", "settrace", "setprofile"):
            state["sys." + name] = id(getattr(sys, name, None))
        state["sys.meta_path"] = [id(f) for f in sys.meta_path]
        state["IPython's displayhook"] = id(shell.displayhook)
        state["IPython's run_cell"] = id(shell.__dict__.get("run_cell"))
        for name, value in vars(builtins).items():
            state["builtins." + name] = id(value)
        for name, module in list(sys.modules.items()):
            if name == "exsitu" or name.startswith("exsitu."):
                state["sys.modules['" + name + "']"] = id(module)
                for attr, value in list(vars(module).items()):
                    if not attr.startswith("__"):
                        state[name + "." + attr] = id(value)
        for name in mod.protected:
            state[name] = id(ns.get(name))
        return state

    def baseline(protected):
        mod.protected = list(protected)
        mod.base = _state()
        return "ok"

    def changes(path):
        if mod.base is None:
            return "ok"
        now = _state()
        found = sorted(k for k in set(mod.base) | set(now) if mod.base.get(k) != now.get(k))
        mod.base = now
        with open(path, "w") as handle:
            json.dump(found[:50], handle)
        return "ok"

    mod.snapshot, mod.call, mod.baseline, mod.changes, mod.base, mod.protected = (
        snapshot, call, baseline, changes, None, [])
    sys.modules["_exsitu_grader"] = mod

_exsitu_grader_install(FOLDER)
del _exsitu_grader_install
'''

TEST_HELPER = r'''
def _exsitu_grader_install(folder):
    import builtins, copyreg, enum, io, os, pickle, sys, types
    mod = types.ModuleType("_exsitu_grader")
    shell = get_ipython()
    ns = shell.user_ns
    PREFIXES = ("numpy", "pandas", "exsitu", "datetime", "collections", "decimal", "fractions", "zoneinfo")
    BLOCKED = ("pandas.io", "pandas.core.computation", "pandas.plotting", "pandas.api", "pandas.testing",
               "pandas.util", "numpy.lib.npyio", "numpy.f2py", "numpy.testing", "numpy.distutils", "numpy.ctypeslib",
               "exsitu.workshop", "exsitu.widgets", "exsitu.workbench_store", "exsitu.datasets")
    BUILTIN_TYPES = {"set", "frozenset", "list", "dict", "tuple", "int", "float", "complex", "str", "bytes",
                     "bytearray", "bool", "slice", "range", "object"}
    FUNCTIONS = {
        ("copyreg", "_reconstructor"),
        ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
        ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"),
        ("numpy.random._pickle", "__generator_ctor"), ("numpy.random._pickle", "__bit_generator_ctor"),
        ("numpy.random._pickle", "__randomstate_ctor"),
        ("numpy.random.bit_generator", "__pyx_unpickle_SeedSequence"),
        ("pandas._libs.arrays", "__pyx_unpickle_NDArrayBacked"), ("pandas._libs.internals", "_unpickle_block"),
        ("pandas._libs.tslibs.nattype", "_nat_unpickle"), ("pandas._libs.tslibs.timedeltas", "_timedelta_unpickle"),
        ("pandas._libs.tslibs.timestamps", "_unpickle_timestamp"), ("pandas.core.indexes.base", "_new_Index"),
        ("pandas.core.internals.blocks", "new_block"), ("pandas.core.internals.blocks", "_unpickle_block"),
        ("pandas._libs.tslibs.period", "_period_unpickle"), ("pandas.core.arrays.period", "_period_unpickle"),
    }
    SINGLETONS = {("pandas", "NA"), ("pandas", "NaT"), ("pandas._libs.missing", "NA"),
                  ("pandas._libs.tslibs.nattype", "NaT")}

    class UngradableValue(Exception):
        pass

    class Ungradable:
        """Stands for a learner's value that cannot be graded; any use raises UngradableValue."""
        def __init__(self, name, reason):
            object.__setattr__(self, "_why", name + " cannot be graded: " + reason)
        def _fail(self, *args, **kwargs):
            raise UngradableValue(object.__getattribute__(self, "_why"))
        def __getattr__(self, name):
            self._fail()
        __call__ = __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = __bool__ = __len__ = __iter__ = _fail
        __getitem__ = __contains__ = __add__ = __sub__ = __mul__ = __truediv__ = __float__ = __int__ = _fail
        __hash__ = None
        def __repr__(self):
            return "<" + object.__getattribute__(self, "_why") + ">"

    class LearnerError(Exception):
        pass

    proxies = {}

    class LearnerFunction:
        """A function of the learner's notebook: calling it runs it in the learner's kernel."""
        def __init__(self, key, name):
            self._key, self.__name__, self.__qualname__ = key, name, name
        def __repr__(self):
            return "<function " + self.__name__ + " (the learner's)>"
        def __call__(self, *args, **kwargs):
            class Out(pickle.Pickler):
                def persistent_id(self, obj):
                    return ("fn", obj._key, obj.__name__) if isinstance(obj, LearnerFunction) else None
            buffer = io.BytesIO()
            try:
                Out(buffer, protocol=5).dump((args, kwargs))
            except Exception as error:
                raise UngradableValue("the test could not pass its arguments to " + self.__name__ + ": " + str(error))
            with open(os.path.join(folder, "call-in.pkl"), "wb") as handle:
                handle.write(buffer.getvalue())
            answer = builtins.input("\x1b[exsitu-call] " + str(self._key))
            if answer != "ok":
                raise UngradableValue(self.__name__ + "(...) could not run in the learner's kernel: " + answer)
            with open(os.path.join(folder, "call-out.pkl"), "rb") as handle:
                result = loads(handle.read())
            if "error" in result:
                name, message, builtin = result["error"]
                cls = getattr(builtins, str(name), None) if builtin else None
                if not (isinstance(cls, type) and issubclass(cls, Exception)):
                    cls = type(str(name), (LearnerError,), {})
                raise cls(str(message))
            return loads(result["ok"])

    def fresh_ok(obj):
        return not isinstance(obj, (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType,
                                    types.MethodType, enum.Enum, LearnerFunction))

    class Restricted(pickle._Unpickler):
        def __init__(self, data):
            super().__init__(io.BytesIO(data))
            self.globals_seen = set()
            self.dispatch = dict(pickle._Unpickler.dispatch)
            for code, name in ((pickle.BUILD, "load_build"), (pickle.SETITEM, "load_setitem"),
                               (pickle.SETITEMS, "load_setitems"), (pickle.APPEND, "load_append"),
                               (pickle.APPENDS, "load_appends"), (pickle.ADDITEMS, "load_additems")):
                self.dispatch[code[0]] = self._guard(getattr(pickle._Unpickler, name), code)
            self.dispatch[pickle.REDUCE[0]] = Restricted.load_reduce_safe

        def _guard(self, original, code):
            def run(self):
                if code in (pickle.BUILD, pickle.APPEND, pickle.SETITEM):
                    target = self.stack[-2] if code != pickle.SETITEM else self.stack[-3]
                elif code == pickle.ADDITEMS or code in (pickle.SETITEMS, pickle.APPENDS):
                    target = self.metastack[-1][-1] if self.metastack and self.metastack[-1] else None
                else:
                    target = None
                if target is not None and (id(target) in self.globals_seen or not fresh_ok(target)):
                    raise pickle.UnpicklingError("refused: this value would change an existing object")
                return original(self)
            return run

        def load_reduce_safe(self):
            args = self.stack.pop()
            func = self.stack[-1]
            import numpy
            if func is numpy.dtype and isinstance(args, tuple) and len(args) == 3:
                args = (args[0], args[1], True)
            self.stack[-1] = func(*args)

        def find_class(self, module, name):
            allowed = False
            if module == "builtins":
                allowed = name in BUILTIN_TYPES
            elif (module, name) in FUNCTIONS or (module, name) in SINGLETONS:
                allowed = True
            elif module.split(".")[0] in PREFIXES and not any(
                    module == b or module.startswith(b + ".") for b in BLOCKED):
                allowed = None  # a class of these packages
            if allowed is False:
                raise pickle.UnpicklingError("refused " + module + "." + name)
            __import__(module)
            obj = sys.modules[module]
            for part in name.split("."):
                if part.startswith("__") and (module, name) not in FUNCTIONS:
                    raise pickle.UnpicklingError("refused " + module + "." + name)
                obj = getattr(obj, part)
            if allowed is None and not isinstance(obj, type):
                raise pickle.UnpicklingError(module + "." + name + " is not a class")
            self.globals_seen.add(id(obj))
            return obj

        def persistent_load(self, pid):
            if isinstance(pid, tuple) and len(pid) == 3 and pid[0] == "fn":
                key = int(pid[1])
                if key not in proxies:
                    proxies[key] = LearnerFunction(key, str(pid[2])[:100])
                return proxies[key]
            raise pickle.UnpicklingError("refused a reference")

    def loads(data):
        return Restricted(data).load()

    def describe(error):
        text = str(error)
        if "refused __main__." in text:
            text = ("it is a value of a class defined in the notebook (only data, numpy, pandas and exsitu values "
                    "can be graded)")
        return text[:300]

    def load(path, names, keep):
        try:
            with open(path, "rb") as handle:
                found = loads(handle.read())
            values, problems = dict(found["values"]), dict(found["problems"])
        except Exception as error:
            values, problems = {}, {n: "the grader could not read the learner's values (" + describe(error) + ")"
                                    for n in names}
        for name in names:
            if name in values:
                try:
                    ns[name] = loads(values[name])
                except Exception as error:
                    ns[name] = Ungradable(name, describe(error))
            elif name in problems:
                ns[name] = Ungradable(name, str(problems[name]))
            elif name not in keep:
                ns.pop(name, None)
        return "ok"

    mod.load, mod.loads, mod.UngradableValue = load, loads, UngradableValue
    sys.modules["_exsitu_grader"] = mod

_exsitu_grader_install(FOLDER)
del _exsitu_grader_install
'''


def helper_source(template: str, folder: str) -> str:
    """A helper's code with the kernel's private folder (where values are exchanged) filled in."""
    return template.replace("FOLDER", repr(folder))


# Run in a kept tests' kernel between two notebooks (execute.py, TesterPool): back to the state right after
# its read-only imports, or a refusal the grader answers by starting a fresh kernel. The tests' kernel has run
# only the instructor's cells and the values that crossed the restricted unpickler; this clears those values
# and everything they could have been stored in, and checks that nothing that existed before was rebound.
TEST_RESET = r'''
def _exsitu_grader_reset(workdir, keep, cpu_limit, memory_limit):
    import builtins, gc, os, resource, shutil, signal, sys, threading, types, warnings
    shell = get_ipython()
    VOLATILE = {"time.tzname", "time.timezone", "time.altzone", "time.daylight"}  # time.tzset() rebinds them
    state = sys.modules.get("_exsitu_reset_state")
    if state is None:
        state = types.ModuleType("_exsitu_reset_state")
        state.filters, state.baseline, state.uses = list(warnings.filters), None, 0
        sys.modules["_exsitu_reset_state"] = state
    shell.reset(new_session=True)  # names, Out, _, history; execution count back to 1
    for name in list(sys.modules):
        if name in ("_exsitu_grader", "exsitu") or name.startswith("exsitu."):
            del sys.modules[name]  # the instructor's exsitu is imported again, from disk, by the read-only cells
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")
    warnings.resetwarnings()  # also forgets which warnings were shown once
    warnings.filters[:] = state.filters
    warnings.onceregistry.clear()
    os.chdir(workdir)
    for entry in os.listdir(workdir):
        if entry not in keep:
            path = os.path.join(workdir, entry)
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                os.unlink(path)
    gc.collect()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    if usage.ru_utime + usage.ru_stime > cpu_limit:
        return "it used a quarter of its CPU-time limit"
    with open("/proc/self/statm") as handle:
        size = int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    if size > memory_limit:
        return "it uses more than half of its memory limit"
    seen = {}
    for name, module in list(sys.modules.items()):
        if not isinstance(module, types.ModuleType) or name.startswith("_exsitu") or name == "__main__" \
                or getattr(module, "__dict__", None) is shell.user_ns:
            continue
        seen["module " + name] = id(module)
        for attr, value in list(getattr(module, "__dict__", {}).items()):
            if name + "." + attr not in VOLATILE:
                seen[name + "." + attr] = id(value)
    for name, value in vars(builtins).items():
        seen["builtins." + name] = id(value)
    for name in ("displayhook", "excepthook", "breakpointhook", "unraisablehook"):
        seen["sys." + name] = id(getattr(sys, name, None))
    seen["sys.gettrace()"] = id(sys.gettrace())
    seen["sys.getprofile()"] = id(sys.getprofile())
    seen["sys.meta_path"] = tuple(id(f) for f in sys.meta_path)
    seen["sys.path_hooks"] = tuple(id(f) for f in sys.path_hooks)
    seen["sys.path"] = tuple(sys.path)
    seen["threads"] = tuple(sorted(t.ident or 0 for t in threading.enumerate()))
    seen["os.environ"] = tuple(sorted(os.environ.items()))
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGALRM, signal.SIGCHLD, signal.SIGUSR1):
        seen["signal " + str(number)] = id(signal.getsignal(number))
    for hook in ("input_transformers_cleanup", "input_transformers_post", "ast_transformers"):
        seen["IPython's " + hook] = tuple(id(f) for f in getattr(shell, hook, []))
    for event, callbacks in getattr(shell.events, "callbacks", {}).items():
        seen["IPython's events." + event] = tuple(id(f) for f in callbacks)
    seen["IPython's run_cell"] = id(shell.__dict__.get("run_cell"))
    seen["IPython's displayhook"] = id(shell.displayhook)
    pandas_config = sys.modules.get("pandas._config.config")
    if pandas_config is not None:
        seen["pandas options"] = repr(pandas_config._global_config)
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        seen["numpy error handling"] = repr(numpy.geterr())
        seen["numpy print options"] = repr(numpy.get_printoptions())
    rc = sys.modules.get("matplotlib")
    if rc is not None and hasattr(rc, "rcParams"):
        seen["matplotlib.rcParams"] = repr(sorted(dict(rc.rcParams).items(), key=lambda kv: kv[0]))
    changed = []
    if state.baseline is not None:
        changed = [k for k, v in state.baseline.items() if seen.get(k) != v]
    state.baseline = seen  # what exists now; later modules (imported by the instructor's cells) join it
    state.uses += 1
    if changed:
        return "changed since the last notebook: " + ", ".join(sorted(changed)[:5])
    return "ok"
'''


def reset_call(workdir: str, keep: list[str], cpu_limit: float, memory_limit: int) -> str:
    """The expression that resets a kept tests' kernel once :data:`TEST_RESET` ran: "ok", or why it was not."""
    return f"_exsitu_grader_reset({workdir!r}, {sorted(keep)!r}, {float(cpu_limit)!r}, {int(memory_limit)!r})"
