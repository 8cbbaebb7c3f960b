//! How e-mails leave: to the log (the default, and what tests read), or through SMTP.

use std::sync::{Arc, Mutex};

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::mail::Email;

#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("SMTP_URL is not a valid SMTP URL: {0}")]
    SmtpUrl(#[source] lettre::transport::smtp::Error),
    #[error("`{0}` is not a mailbox")]
    Address(String),
    #[error("cannot build the e-mail: {0}")]
    Build(#[from] lettre::error::Error),
    #[error("the SMTP server refused the e-mail: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
}

/// Where e-mails go.
#[derive(Clone)]
pub enum Transport {
    Log(LogTransport),
    Smtp {
        mailer: AsyncSmtpTransport<Tokio1Executor>,
        from: Mailbox,
    },
}

impl Transport {
    /// SMTP through `url`, from `from`.
    pub fn smtp(url: &str, from: &str) -> Result<Self, TransportError> {
        let mailer = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(TransportError::SmtpUrl)?
            .build();
        let from = from
            .parse()
            .map_err(|_| TransportError::Address(from.to_owned()))?;
        Ok(Transport::Smtp { mailer, from })
    }

    pub async fn send(&self, email: &Email) -> Result<(), TransportError> {
        match self {
            Transport::Log(log) => {
                log.send(email);
                Ok(())
            }
            Transport::Smtp { mailer, from } => {
                let to: Mailbox = email
                    .to
                    .parse()
                    .map_err(|_| TransportError::Address(email.to.clone()))?;
                let message = Message::builder()
                    .from(from.clone())
                    .to(to)
                    .subject(email.subject.as_str())
                    .body(email.body.clone())?;
                mailer.send(message).await?;
                Ok(())
            }
        }
    }
}

/// Writes each e-mail to the log; keeps what it sent when asked to (tests count it).
#[derive(Clone, Default)]
pub struct LogTransport {
    sent: Option<Arc<Mutex<Vec<Email>>>>,
}

impl LogTransport {
    /// A log transport that also remembers what it sent.
    pub fn recording() -> Self {
        Self {
            sent: Some(Arc::default()),
        }
    }

    /// What was sent so far (empty unless recording).
    pub fn sent(&self) -> Vec<Email> {
        self.sent
            .as_ref()
            .and_then(|sent| sent.lock().ok().map(|s| s.clone()))
            .unwrap_or_default()
    }

    fn send(&self, email: &Email) {
        tracing::info!(to = %email.to, subject = %email.subject, body = %email.body, "e-mail (log transport)");
        if let Some(Ok(mut sent)) = self.sent.as_ref().map(|s| s.lock()) {
            sent.push(email.clone());
        }
    }
}
