//! What every handler can reach.

use forklift_shared::bus::Bus;
use forklift_shared::store::Store;

use crate::auth::Tokens;
use crate::pages::csrf::CsrfKey;

pub struct AppState {
    pub store: Store,
    pub bus: Bus,
    pub tokens: Tokens,
    pub openapi: String,
    /// Signs the CSRF tokens of page forms.
    pub csrf: CsrfKey,
    /// The Docker engine whose images and containers the pages list; `None` when no client
    /// could be made (the pages then say so).
    pub docker: Option<bollard::Docker>,
    /// Encrypts stored registry credentials; `None` when the deployment set no key.
    pub credentials_key: Option<forklift_shared::secrets::CredentialsKey>,
}
