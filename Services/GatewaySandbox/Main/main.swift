import Foundation
import GatewaySandboxService
import RelanceRuntime

// gateway-sandbox: a pretend gateway (it moves no money); configuration from RELANCE_*
// variables (docs/runtime.md), rules in docs/gateway-sandbox.md.
exit(await WorkerMain.run(GatewaySandbox()))
