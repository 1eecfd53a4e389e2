import GatewaySandboxService
import RelanceRuntime

// gateway-sandbox: a pretend gateway (it moves no money); configuration from RELANCE_*
// variables (docs/runtime.md), rules in docs/gateway-sandbox.md.
let setup = WorkerSetup.start(
    worker: "gateway-sandbox",
    summary: "a pretend payment gateway for tests and the demo: answers charge requests (it moves no money)",
    settings: [], docs: "docs/gateway-sandbox.md")
await setup.run(GatewaySandbox())
