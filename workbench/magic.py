"""``%%hybrid`` and ``%hybrid``: parse the cell, hand it to the runner, show the panel. Nothing else.

    %%hybrid -t local/smollm2 -t openai/gpt-4o-mini --max-tokens 64 -o answer
    Summarise {document} in one sentence.

``{name}`` is filled from the notebook's namespace (``{{`` and ``}}`` are literal braces).
``%hybrid targets`` lists targets, ``%hybrid dashboard`` shows the plots of every call,
``%hybrid store [PATH]`` shows or switches the run log. Settings: ``%config Hybrid.default_targets = [...]``.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments
from traitlets import Bool, Enum, Float, Int, List, Unicode, default
from traitlets.config import Configurable

from workbench.magic_lines import LineState, open_run_log, run_line
from workbench.records.choices import GUARD_ACTIONS, REPLAY_MODES
from workbench.records.request import DEFAULT_MAX_TOKENS

if TYPE_CHECKING:
    from workbench.runlog.store import Store

__all__ = ["Hybrid", "HybridMagics", "fill_prompt", "register"]

class Hybrid(Configurable):
    """Settings of the ``%%hybrid`` magic, changed with ``%config Hybrid.NAME = VALUE``."""

    default_targets = List(Unicode(), help="Targets used when a cell names none with -t.").tag(config=True)
    max_tokens = Int(DEFAULT_MAX_TOKENS, help="Most tokens per answer, unless a cell says --max-tokens.").tag(
        config=True
    )
    temperature = Float(None, allow_none=True, help="Sampling temperature; None: each model's default.").tag(
        config=True
    )
    timeout = Float(120.0, help="Seconds one call may take, retries included.").tag(config=True)
    guard = Enum(list(GUARD_ACTIONS), "flag", help="Privacy action off the device.").tag(
        config=True
    )
    store_path = Unicode("", help="Run log path; empty: $WORKBENCH_STORE or .workbench/runs.sqlite.").tag(
        config=True
    )
    panel = Bool(True, help="Show the streaming side-by-side panel in notebooks.").tag(config=True)
    update_interval = Float(0.1, help="Seconds between panel redraws while answers stream.").tag(config=True)
    dashboard_limit = Int(1000, help="Recorded calls the dashboard loads from the run log.").tag(config=True)
    replay = Enum(["", *REPLAY_MODES], "", help="Replay mode: off, on, strict; empty: $WORKBENCH_REPLAY or off.").tag(
        config=True
    )

    @default("default_targets")
    def _default_targets(self) -> list[str]:
        from workbench.runner.fanout import DEFAULT_TARGETS

        return list(DEFAULT_TARGETS)


def _not_in_notebook(name: str) -> str:
    if not name.isidentifier():
        return f"{{{name}}} is not a notebook name. Write {{{{ and }}}} for literal braces, e.g. JSON in the prompt"
    return (
        f"{{{name}}} names nothing defined in the notebook: define {name} first, "
        f"or write {{{{{name}}}}} for literal braces"
    )


def fill_prompt(template: str, namespace: Mapping[str, Any]) -> str:
    """``{name}`` (also ``{name.attr}``, ``{name[0]}``, ``{name:.2f}``) from ``namespace``; ``{{``/``}}`` literal.

    The rules are a sweep's template rules (:func:`workbench.evaluate.template.fill_template`); a mistake is a
    ``UsageError`` that names the fix.
    """
    from workbench.errors import ConfigError
    from workbench.evaluate.template import fill_template

    try:
        return fill_template(template, namespace, where="The prompt", missing=_not_in_notebook, nulls=True, noun="name")
    except ConfigError as exc:
        raise UsageError(str(exc)) from None


@magics_class
class HybridMagics(Magics):
    """The ``%%hybrid`` cell magic and the ``%hybrid`` line magic."""

    def __init__(self, shell: Any, settings: Hybrid) -> None:
        super().__init__(shell)
        self.ip = shell
        self.settings = settings
        self.lines = LineState(settings, namespace=shell.user_ns)

    def after_cell(self, _result: Any = None) -> None:
        """After any cell: redraw the dashboard if calls were recorded (``workbench.run()`` ones too)."""
        if self.lines.plots is not None:
            self.lines.plots.refresh_if_new()

    @magic_arguments()
    @argument("command", nargs="*",
              help="line form only: targets | dashboard | store [PATH] | replay [MODE] | explore VARIABLE")
    @argument("-t", "--target", action="append", dest="targets", metavar="TARGET",
              help="a target spec, repeatable (default: %%config Hybrid.default_targets); "
                   "'SPEC[temperature=0.9]' gives one target its own settings; "
                   "a notebook variable holding a Target (from workbench.resolve) is that target")
    @argument("--max-tokens", type=int, metavar="N", help="most tokens per answer")
    @argument("--temperature", type=float, metavar="T", help="sampling temperature, 0 to 2")
    @argument("--seed", type=int, metavar="S", help="sampling seed, where the target supports one")
    @argument("--system", metavar="TEXT", help="a system message")
    @argument("--timeout", type=float, metavar="S", help="seconds one call may take")
    @argument("--guard", choices=GUARD_ACTIONS, help="privacy action off the device")
    @argument("--route", metavar="POLICY",
              help="send the prompt where POLICY says (a policy name, a Policy in the notebook, or a saved "
                   "policy file); needs one edge and one cloud -t target")
    @argument("--shadow", action="store_true", help="with --route: also run the other side, to see what it saved")
    @argument("--replay", choices=REPLAY_MODES,
              help="answer from the run log: on (else live), strict (fail if never recorded), off")
    @argument("--dataset", metavar="VARIABLE",
              help="sweep: run the cell body, a template of the dataset's {column}s, on every row of VARIABLE "
                   "(a DataFrame, a list of dicts or a file path in the notebook); the value is the Sweep")
    @argument("--grade", action="append", dest="grades", metavar="SPEC",
              help="with --dataset: a grader spec, repeatable (numeric:answer, exact:answer, regex:PATTERN, ...)")
    @argument("--name", metavar="NAME", help="with --dataset: the sweep's name (a rerun resumes it)")
    @argument("--repeats", type=int, metavar="K", help="with --dataset: send each item K times, seeds SEED+k")
    @argument("--id-column", metavar="C", help="with --dataset: the column of item ids (else a hash of the row)")
    @argument("-o", "--output", metavar="VAR", help="also store the RunResult (or Sweep) in this variable")
    @argument("--no-panel", action="store_true", help="no streaming panel: show the result table only")
    @line_cell_magic
    def hybrid(self, line: str, cell: str | None = None) -> Any:
        """Send the cell to several models at once, side by side; its value is the RunResult.

        The cell body is the prompt: {name} is filled from the notebook, {{ and }} are literal braces.
        With --dataset VARIABLE the body is a template of the dataset's {column}s instead: every row goes to
        every target (a sweep, graded by each --grade, with a progress bar) and the value is the Sweep.
        Line forms: %hybrid targets (where each runs, key set or not), %hybrid dashboard (plots of every call),
        %hybrid store [PATH] (show or switch the run log), %hybrid replay on|off|strict (answer later
        cells from the run log), %hybrid explore VARIABLE (the routing explorer over an Outcomes, or a Sweep
        with edge=TARGET cloud=TARGET). Settings: %config Hybrid.
        """
        try:  # POSIX shell quoting: --system 'Be brief.' gives Be brief. (IPython's own split keeps quotes)
            argv = shlex.split(line)
        except ValueError as exc:
            raise UsageError(f"Cannot split the %%hybrid line: {exc}; check its quotes.") from None
        args = self.hybrid.parser.parse_args(argv)
        if cell is None:
            return run_line(self.lines, args.command)
        if args.command:
            raise UsageError(f"Unexpected {' '.join(args.command)!r} after %%hybrid: options start with - or --.")
        if args.output is not None and not args.output.isidentifier():
            raise UsageError(f"-o {args.output!r} is not a Python variable name.")
        # the prompt is checked with the run (workbench.runner.validate); a sweep's is the dataset's template
        prompt = cell if args.dataset is not None else fill_prompt(cell, self.ip.user_ns).strip()
        from workbench.errors import ConfigError
        from workbench.notebook import run_with_panel

        s = self.settings
        common: dict[str, Any] = dict(
            store=self._store(), panel=s.panel and not args.no_panel, plots=self.lines.plots,
            update_interval=s.update_interval, system=args.system, seed=args.seed,
            max_tokens=args.max_tokens if args.max_tokens is not None else s.max_tokens,
            temperature=args.temperature if args.temperature is not None else s.temperature,
            timeout=args.timeout if args.timeout is not None else s.timeout, guard=args.guard or s.guard,
        )
        if args.replay or s.replay:
            common["replay"] = args.replay or s.replay
        targets = [self._target(t) for t in args.targets or s.default_targets]
        if args.dataset is None and (args.grades or args.name or args.id_column or args.repeats is not None):
            raise UsageError("--grade, --name, --repeats and --id-column go with --dataset VARIABLE.")
        if args.shadow and not args.route:
            raise UsageError("--shadow goes with --route POLICY: it runs the side the policy did not choose.")
        try:
            if args.dataset is not None:
                result: Any = self._sweep(args, prompt, targets, common)
            elif args.route:
                from workbench.notebook import route_with_panel

                policy = self._policy(args.route)
                result = route_with_panel(prompt, policy, targets, shadow=args.shadow, **common)
            else:
                result = run_with_panel(prompt, targets, **common)
        except ConfigError as exc:
            raise UsageError(str(exc)) from None
        except KeyboardInterrupt:  # the calls in flight were recorded as cancelled, with what they had said
            print("Interrupted: the calls in flight are recorded as cancelled, answers so far kept.", file=sys.stderr)
            return None
        if args.output:
            self.ip.user_ns[args.output] = result
        return result

    def _sweep(self, args: Any, template: str, targets: list[str], common: dict[str, Any]) -> Any:
        """``--dataset``: the cell body is the dataset's template; the sweep runs with a progress bar."""
        from workbench.notebook import sweep_with_progress

        if args.route or args.replay:
            raise UsageError("--dataset runs a sweep: it takes no --route or --replay (a named sweep resumes instead).")
        found = self.ip.user_ns.get(args.dataset)
        if found is None and not Path(args.dataset).expanduser().is_file():
            raise UsageError(f"--dataset {args.dataset!r} names no notebook variable and no file: define it first, "
                             "e.g. questions = pandas.read_csv('questions.csv').")  # fmt: skip
        keep = ("store", "plots", "system", "seed", "max_tokens", "temperature", "timeout", "guard")
        from workbench.evaluate.sources import files_behind  # the file a DataFrame was read from, for export

        read_from = files_behind(args.dataset, self.ip.user_ns.get("In", [])) if found is not None else []
        return sweep_with_progress(
            found if found is not None else Path(args.dataset).expanduser(), template.strip(), targets,
            graders=args.grades or [], name=args.name, repeats=1 if args.repeats is None else args.repeats,
            id_column=args.id_column, progress=common["panel"], data_files=read_from, **{k: common[k] for k in keep},
        )  # fmt: skip

    def _target(self, name: str) -> Any:
        """The Target a notebook variable called ``name`` holds (a spec always has a '/'), else the spec itself."""
        from workbench.targets import Target

        found = self.ip.user_ns.get(name) if name.isidentifier() else None
        return found if isinstance(found, Target) else name

    def _policy(self, name: str) -> Any:
        """A Policy from the notebook's variables, else a fresh one by name, else one loaded from a file."""
        from workbench.routing import Policy, resolve_policy

        found = self.ip.user_ns.get(name)
        return found if isinstance(found, Policy) else resolve_policy(name)

    def _store(self, path: str | None = None) -> Store:
        return open_run_log(self.lines, path)


def register(ipython: Any) -> HybridMagics:
    """Register the magics and the ``Hybrid`` settings with an IPython shell."""
    settings = Hybrid(parent=ipython)
    ipython.configurables.append(settings)
    magics = HybridMagics(ipython, settings)
    ipython.register_magics(magics)
    ipython.events.register("post_run_cell", magics.after_cell)
    return magics
