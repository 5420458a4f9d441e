//! Glue's failures as floe's errors: which kind (so which exit code), which hint, and whether a
//! failed request may still have been applied.

use aws_sdk_glue::error::{ProvideErrorMetadata, SdkError};

use crate::error::{ErrorKind, FloeError};

/// One failed Glue request, reduced to what floe decides on.
#[derive(Debug)]
pub(super) struct GlueFailure {
    /// The service's error code (`EntityNotFoundException`) when it answered with one.
    code: Option<String>,
    /// What went wrong, with the SDK's whole chain of causes.
    detail: String,
    /// The HTTP status of the service's answer, when there was one.
    status: Option<u16>,
    how: How,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum How {
    /// The service answered with an error.
    Answered,
    /// No usable credentials: nothing was sent.
    NoCredentials,
    /// Failed before anything was sent (the request could not be built).
    NotSent,
    /// The connection failed or broke: the request may or may not have reached the service.
    Connection,
    /// No answer in time.
    Timeout,
    /// An answer that could not be read.
    BadAnswer,
}

/// Codes AWS answers when it does not accept the credentials themselves.
const REFUSED_CREDENTIALS: &[&str] = &[
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "MissingAuthenticationToken",
    "ExpiredTokenException",
    "ExpiredToken",
];

impl GlueFailure {
    pub fn from_sdk<E>(err: SdkError<E>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let detail = causes(&err);
        match &err {
            SdkError::ServiceError(service) => GlueFailure {
                code: service.err().code().map(str::to_string),
                detail: match (service.err().code(), service.err().message()) {
                    (Some(code), Some(message)) => format!("{code}: {message}"),
                    (Some(code), None) => code.to_string(),
                    _ => detail,
                },
                status: Some(service.raw().status().as_u16()),
                how: How::Answered,
            },
            SdkError::DispatchFailure(dispatch) => {
                let no_credentials = chain_has_credentials_error(&err);
                GlueFailure {
                    code: None,
                    detail,
                    status: None,
                    how: if no_credentials {
                        How::NoCredentials
                    } else if dispatch.is_timeout() {
                        How::Timeout
                    } else if dispatch.is_user() {
                        How::NotSent
                    } else {
                        How::Connection
                    },
                }
            }
            SdkError::ConstructionFailure(_) => GlueFailure {
                code: None,
                detail,
                status: None,
                how: How::NotSent,
            },
            SdkError::TimeoutError(_) => GlueFailure {
                code: None,
                detail,
                status: None,
                how: How::Timeout,
            },
            _ => GlueFailure {
                code: None,
                detail,
                status: err.raw_response().map(|r| r.status().as_u16()),
                how: How::BadAnswer,
            },
        }
    }

    /// The service answered with this error code.
    pub fn is(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }

    pub fn is_not_found(&self) -> bool {
        self.is("EntityNotFoundException")
    }

    pub fn is_already_exists(&self) -> bool {
        self.is("AlreadyExistsException")
    }

    /// Whether a mutating request that failed this way may still have been applied (or be
    /// applied later): a broken connection, a timeout, an unreadable answer, a server error.
    /// Throttling is counted here too: nothing was applied, but the same request is worth
    /// sending again after reading back, which is what an uncertain outcome leads to.
    pub fn may_have_landed(&self) -> bool {
        match self.how {
            How::Connection | How::Timeout | How::BadAnswer => true,
            How::Answered => {
                self.status.is_some_and(|s| s >= 500)
                    || self.code.as_deref().is_some_and(|c| {
                        c.contains("Throttl")
                            || c == "OperationTimeoutException"
                            || c == "InternalServiceException"
                    })
            }
            How::NoCredentials | How::NotSent => false,
        }
    }

    /// floe's error for this failure while `doing` something in catalog `catalog` (whose
    /// endpoint is `endpoint`, for messages).
    pub fn into_error(self, catalog: &str, endpoint: &str, doing: &str) -> anyhow::Error {
        let code = self.code.as_deref().unwrap_or("");
        let error = match self.how {
            How::NoCredentials => FloeError::config(format!(
                "catalog '{catalog}': no AWS credentials to {doing}: {}",
                self.detail
            ))
            .with_hint(
                "set glue.access-key-id and glue.secret-access-key (or client.*) or glue.profile-name in the catalog's config, or provide the standard AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AWS_PROFILE or an instance role",
            ),
            // A request that cannot even be built: the region or endpoint is not usable.
            How::NotSent => FloeError::config(format!(
                "catalog '{catalog}': cannot make the AWS Glue request to {doing}: {}",
                self.detail
            ))
            .with_hint("check glue.region (a region name such as eu-west-1) and glue.endpoint in the catalog's config"),
            How::Connection => FloeError::config(format!(
                "catalog '{catalog}': cannot reach AWS Glue at {endpoint} to {doing}: {}",
                self.detail
            ))
            .with_hint("check glue.endpoint and glue.region in the catalog's config, and that the network reaches the endpoint"),
            How::Timeout => FloeError::new(
                ErrorKind::Failed,
                format!("catalog '{catalog}': AWS Glue at {endpoint} did not answer in time to {doing}: {}", self.detail),
            )
            .with_hint("try again; if it persists, check glue.endpoint and the network"),
            How::Answered if code == "AccessDeniedException" || code == "AccessDenied" => {
                FloeError::config(format!(
                    "catalog '{catalog}': AWS Glue denied the request to {doing}: {}",
                    self.detail
                ))
                .with_hint("the AWS identity in use lacks a Glue permission for this (glue:GetDatabase(s), glue:GetTable(s), glue:CreateTable, glue:UpdateTable, glue:DeleteTable, ...) or Lake Formation denies it; check the IAM policy, or the credentials the catalog uses")
            }
            How::Answered if REFUSED_CREDENTIALS.contains(&code) => FloeError::config(format!(
                "catalog '{catalog}': AWS refused the credentials while trying to {doing}: {}",
                self.detail
            ))
            .with_hint("check glue.access-key-id / glue.secret-access-key (or client.*), glue.profile-name, or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY; a session token may have expired"),
            How::Answered if code == "EntityNotFoundException" => FloeError::not_found(format!(
                "catalog '{catalog}': cannot {doing}: {}",
                self.detail
            )),
            How::Answered if code == "AlreadyExistsException" => FloeError::new(
                ErrorKind::AlreadyExists,
                format!("catalog '{catalog}': cannot {doing}: {}", self.detail),
            ),
            How::Answered if code == "InvalidInputException" => FloeError::invalid(format!(
                "catalog '{catalog}': AWS Glue refused the request to {doing}: {}",
                self.detail
            )),
            _ => FloeError::new(
                ErrorKind::Failed,
                format!("catalog '{catalog}': cannot {doing}: {}", self.detail),
            ),
        };
        error.into()
    }
}

/// An error and its causes on one line (the SDK's own rendering adds its debug form).
fn causes(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = vec![err.to_string()];
    let mut cause = err.source();
    while let Some(e) = cause {
        let text = e.to_string();
        if !parts.last().is_some_and(|last| last.contains(&text)) {
            parts.push(text);
        }
        cause = e.source();
    }
    parts.join(": ")
}

/// The SDK reports "no credentials" as a dispatch failure whose causes hold the credentials
/// provider's error.
fn chain_has_credentials_error(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cause {
        if e.downcast_ref::<aws_credential_types::provider::error::CredentialsError>()
            .is_some()
        {
            return true;
        }
        cause = e.source();
    }
    false
}
