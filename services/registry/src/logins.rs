//! Which stored login a push presents, and how a failure describes it.

use forklift_shared::service::logins::Logins;
use forklift_shared::store::credentials::{LoginError, RegistryLogin};

use crate::failure::LoginUsed;

/// The login stored for `host`, and how to describe it in a failure.
pub(crate) async fn for_host(
    logins: &Logins,
    host: &str,
) -> Result<(Option<RegistryLogin>, LoginUsed), LoginError> {
    if !logins.can_read() {
        return Ok((None, LoginUsed::NoKey));
    }
    let login = logins.login(host).await?;
    let used = match &login {
        Some(login) => LoginUsed::Stored {
            username: login.username.clone(),
        },
        None => LoginUsed::NoneStored,
    };
    Ok((login, used))
}
