//! What every handler can reach.

use forklift_shared::bus::Bus;
use forklift_shared::store::Store;

use crate::auth::Tokens;

pub struct AppState {
    pub store: Store,
    pub bus: Bus,
    pub tokens: Tokens,
    pub openapi: String,
}
