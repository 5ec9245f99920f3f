#!/usr/bin/env python3
"""Drives processes of a Qyzmet BPMN export through SpiffWorkflow 3.

Usage: drive.py FILE.bpmn < runs.json > results.json

runs.json is a list of runs, each {"process": PROCESS_ID, "choices": [...]}.
A choice is {"step": BPMN_ID, "outcome": OUTCOME_ID} (the task BPMN_ID is
completed with the process variable `outcome` set to OUTCOME_ID, which the
decision's exclusive gateway branches on) or {"step": BPMN_ID, "timeout":
true} (the interrupting timer on BPMN_ID fires instead). Choices are taken in
order, each when its task is next; every other task is completed with
`outcome` removed from its data, so no gateway can branch on a stale value.

Gateways and events are run by SpiffWorkflow itself (`do_engine_steps`).
User tasks (READY) and service tasks (STARTED: SpiffWorkflow leaves their
work to the caller) are completed by this driver, one at a time.

For each run the output has "visited": the BPMN ids of the elements the
token went through, in order (every completed event, task and gateway, and a
task left by its interrupting timer where it was left; SpiffWorkflow's
hidden tasks are left out), and "lanes": [BPMN id, lane name] of each user
task completed. A run that does not complete, needs a choice it was not
given, or leaves choices unused has "error" instead.

SpiffWorkflow's Python script engine evaluates timer expressions as Python;
the export writes them as the plain ISO 8601 durations the BPMN spec, bpmn.io
and Camunda use (`P3D`), so this driver's script engine hands such literals
back as they are.
"""

import json
import re
import sys
from collections import deque
from datetime import datetime, timedelta, timezone

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.parser import BpmnParser
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.specs.defaults import BoundaryEvent, ServiceTask
from SpiffWorkflow.util.task import TaskState

ISO_DURATION = re.compile(r"^P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(\d+H)?(\d+M)?(\d+S)?)?$")
MAX_ACTIONS = 10_000


class ScriptEngine(PythonScriptEngine):
    """Python expressions, plus ISO 8601 duration literals for timers."""

    def evaluate(self, task, expression, external_context=None):
        if isinstance(expression, str) and ISO_DURATION.match(expression.strip()):
            return expression.strip()
        return super().evaluate(task, expression, external_context)


class RunError(Exception):
    pass


def run(spec, subprocesses, choices):
    choices = deque(choices)
    visited = []
    lanes = []

    def head(bpmn_id):
        if choices and choices[0]["step"] == bpmn_id:
            return choices[0]
        return None

    def did_complete(task):
        # Service tasks only start here (their work is the caller's); they
        # are recorded when this driver completes them.
        if task.task_spec.bpmn_id is not None and task.state == TaskState.COMPLETED:
            visited.append(task.task_spec.bpmn_id)

    def complete(task):
        bpmn_id = task.task_spec.bpmn_id
        choice = head(bpmn_id)
        if choice is not None and "outcome" in choice:
            choices.popleft()
            task.data["outcome"] = choice["outcome"]
        else:
            task.data.pop("outcome", None)
        visited.append(bpmn_id)
        if task.state == TaskState.STARTED:
            task.complete()
        else:
            lanes.append([bpmn_id, task.task_spec.lane])
            task.run()

    workflow = BpmnWorkflow(spec, subprocesses, script_engine=ScriptEngine())
    for _ in range(MAX_ACTIONS):
        workflow.do_engine_steps(did_complete_task=did_complete)
        if workflow.is_completed():
            if choices:
                raise RunError(f"completed with choices left: {list(choices)}")
            return {"visited": visited, "lanes": lanes}
        started = [
            t for t in workflow.get_tasks(state=TaskState.STARTED) if isinstance(t.task_spec, ServiceTask)
        ]
        ready = workflow.get_tasks(state=TaskState.READY, manual=True)
        if len(started) + len(ready) != 1:
            waiting = [t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.WAITING)]
            failed = [t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.ERROR)]
            raise RunError(
                f"service tasks {[t.task_spec.bpmn_id for t in started]} and user tasks "
                f"{[t.task_spec.bpmn_id for t in ready]} to complete, waiting {waiting}, "
                f"in error {failed}, after {visited}"
            )
        task = (started + ready)[0]
        bpmn_id = task.task_spec.bpmn_id
        choice = head(bpmn_id)
        if choice is not None and choice.get("timeout"):
            choices.popleft()
            timers = [
                t
                for t in workflow.get_tasks(state=TaskState.WAITING)
                if isinstance(t.task_spec, BoundaryEvent)
                and t.task_spec.cancel_activity
                and t.parent is not None
                and task.parent is not None
                and t.parent.id == task.parent.id
            ]
            if len(timers) != 1:
                raise RunError(f"{bpmn_id}: {len(timers)} interrupting timers to fire")
            # The task was entered and is left by its limit: its timer's due
            # instant is put in the past, and SpiffWorkflow fires it.
            visited.append(bpmn_id)
            past = datetime.now(timezone.utc) - timedelta(seconds=1)
            timers[0]._set_internal_data(event_value=past.isoformat())
            workflow.refresh_timers()
            continue
        complete(task)
    raise RunError(f"not completed after {MAX_ACTIONS} actions: {visited}")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: drive.py FILE.bpmn < runs.json")
    parser = BpmnParser()
    parser.add_bpmn_file(sys.argv[1])
    runs = json.load(sys.stdin)
    executable = set(parser.get_process_ids())
    specs = {}
    results = []
    for item in runs:
        process = item["process"]
        try:
            if process not in executable:
                raise RunError(f"not an executable process of the file: {process}")
            if process not in specs:
                specs[process] = (parser.get_spec(process), parser.get_subprocess_specs(process))
            spec, subprocesses = specs[process]
            results.append(run(spec, subprocesses, item["choices"]))
        except Exception as error:  # reported per run; the Rust test fails on it
            results.append({"error": f"{type(error).__name__}: {error}"})
    json.dump(results, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
