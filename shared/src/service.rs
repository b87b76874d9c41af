//! What the worker services (builder, registry, inventory) share besides their own work: talking
//! to Docker, answering health probes, taking requests off a JetStream work queue, publishing a
//! task's log, and reaching registries with stored credentials under the plain-HTTP rule.

pub mod deliveries;
pub mod docker;
pub mod health;
pub mod insecure;
pub mod logins;
pub mod process;
pub mod task_log;
pub mod work_queue;
