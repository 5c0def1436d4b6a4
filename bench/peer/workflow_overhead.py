"""Per-step overhead of the Python Synapse SDK's step orchestrator, for comparison with
synapse's (`cargo bench -p synapse-bench --bench workflow`).

Runs workflows of N no-op steps through `Orchestrator.execute()` with a NoOpLogger-backed
runtime context (the cheapest logger) and a progress callback into it, and reports the median
time per step. Run with the peer benchmark's virtualenv:

    /tmp/sdkenv/bin/python bench/peer/workflow_overhead.py
"""

import statistics
import sys
import time
from dataclasses import dataclass

from synapse_sdk.loggers import ConsoleLogger, NoOpLogger
from synapse_sdk.plugins.context import RuntimeContext
from synapse_sdk.plugins.context.env import PluginEnvironment
from synapse_sdk.plugins.steps import BaseStep, BaseStepContext, Orchestrator, StepRegistry, StepResult


@dataclass
class Ctx(BaseStepContext):
    pass


def make_step(index: int, weight: float):
    class NoopStep(BaseStep[Ctx]):
        @property
        def name(self) -> str:
            return f'step{index}'

        @property
        def progress_weight(self) -> float:
            return weight

        def execute(self, context: Ctx) -> StepResult:
            return StepResult(success=True)

    return NoopStep()


def per_step_us(steps: int, logger_cls, reps: int) -> list[float]:
    runtime = RuntimeContext(logger=logger_cls(), env=PluginEnvironment({}))
    samples = []
    for _ in range(reps):
        registry = StepRegistry()
        for i in range(steps):
            registry.register(make_step(i, 1.0 / steps))
        context = Ctx(runtime_ctx=runtime)
        orchestrator = Orchestrator(registry=registry, context=context,
                                    progress_callback=lambda c, t: runtime.set_progress(c, t))
        t0 = time.perf_counter()
        orchestrator.execute()
        samples.append((time.perf_counter() - t0) / steps * 1e6)
    return samples


def main() -> None:
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    for steps in (10, 100, 1000):
        for logger in (NoOpLogger, ConsoleLogger):
            if logger is ConsoleLogger:
                import io, contextlib
                sink = io.StringIO()
                with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                    samples = per_step_us(steps, logger, max(5, reps // 5))
            else:
                samples = per_step_us(steps, logger, reps)
            print(f'peer.orchestrator_per_step[{steps} steps, {logger.__name__}]: '
                  f'{statistics.median(samples):.2f} us (min {min(samples):.2f}, max {max(samples):.2f})')


if __name__ == '__main__':
    main()
