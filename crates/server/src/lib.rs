//! The `cognate` server: configuration, assembly of the services, and the listener.

pub mod cli;
pub mod config;
pub mod keys;
pub mod tls;

use anyhow::Context;
use cognate_api::{AdminKeys, AppState};
use cognate_core::{Clock, OffsetClock, SystemClock};
use cognate_crypto::PasswordHasher;
use cognate_idp::{Idp, IdpSettings};
use config::Config;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::oneshot;

/// A started server: where it listens and how to stop it.
pub struct Running {
    pub addr: SocketAddr,
    pub public_url: String,
    pub admin: (String, String),
    /// The user-pool service behind the listener (benchmarks seed data through it).
    pub idp: Idp,
    /// The identity-pool service (benchmarks ask it for decisions in process).
    pub identity: cognate_identity::Identity,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    purger: tokio::task::JoinHandle<()>,
    /// The certificate an HTTPS listener serves; `None` for plain HTTP.
    tls: Option<Arc<tls::Certificates>>,
}

impl Running {
    /// Stops accepting, finishes in-flight requests, and returns.
    pub async fn shutdown(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.purger.abort();
        self.task.await??;
        Ok(())
    }
}

/// The services the server and the maintenance commands share.
pub struct Services {
    pub idp: Idp,
    /// The authorization server behind the hosted UI.
    pub oauth: cognate_oauth::OAuth,
    /// Identity pools, STS and IAM.
    pub identity: cognate_identity::Identity,
    pub admin: (String, String),
}

/// Opens the store and loads the master key, checking that the two belong together.
async fn open_storage(
    config: &Config,
) -> anyhow::Result<(Arc<dyn cognate_store::Store>, Arc<cognate_crypto::MasterKey>)> {
    if config.uses_data_dir() {
        create_private_dir(&config.data_dir)?;
    }
    let master_key = Arc::new(keys::master_key(config)?);
    let store = cognate_store_sql::open_with(&config.database_url, config.database_max_connections)
        .await
        .context("opening the database")?;
    keys::check_master_key(store.as_ref(), &master_key).await?;
    Ok((store, master_key))
}

/// The data directory holds the database and the master key: only its owner may enter it.
/// The database files SQLite creates inside inherit nothing from it, so the store opens them
/// 0600 itself.
fn create_private_dir(dir: &std::path::Path) -> anyhow::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).with_context(|| format!("creating {}", dir.display()))
}

/// Opens storage and loads keys, then assembles the user-pool service.
pub async fn services(config: &Config, clock: Arc<dyn Clock>, public_url: String) -> anyhow::Result<Services> {
    let (store, master_key) = open_storage(config).await?;
    let admin = keys::admin_credentials(config, store.as_ref(), &master_key).await?;
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    let hasher = PasswordHasher::new(config.password, workers)?;
    let messenger = Arc::new(cognate_delivery::Delivery::new(config.delivery.clone())?);
    let invoker = Arc::new(
        cognate_delivery::TriggerInvoker::new(config.triggers.clone(), clock.clone())?
            .allowing(config.trigger_allow.clone())?,
    );
    let sender_key = match &config.custom_sender_key {
        Some(text) => Some(Arc::new(cognate_crypto::SenderKey::from_base64(text)?)),
        None => None,
    };
    let default_issuer = format!("{public_url}/identity");
    let settings = IdpSettings {
        region: config.region.clone(),
        account_id: config.account_id.clone(),
        public_url,
        sender_key,
        trigger_allow: config.trigger_allow.clone(),
    };
    let idp = Idp::new(store.clone(), clock.clone(), hasher, master_key.clone(), messenger, invoker, settings)
        .with_token_session_limit(Arc::new(cognate_oauth::TokenSessionCap::new(store.clone())));
    let oauth_settings =
        cognate_oauth::OAuthSettings { hosted_ui_domain_suffix: config.hosted_ui_domain_suffix.clone() };
    let upstream = Arc::new(cognate_delivery::HttpUpstream::new()?);
    let federation = cognate_federation::Federation::new(
        idp.clone(),
        store.clone(),
        clock.clone(),
        master_key.clone(),
        upstream.clone(),
    )
    .with_social_endpoints(config.social_endpoints.clone());
    #[cfg(feature = "saml")]
    let federation = federation.with_saml(Arc::new(cognate_saml::Samael::new()));
    let mut identity_settings = cognate_identity::IdentitySettings::new(
        &config.region,
        &config.account_id,
        config.identity_issuer.as_deref().unwrap_or(&default_issuer),
    );
    identity_settings.external_sts = config.external_sts_endpoint.clone();
    if let Some(policy) = &config.guest_session_policy {
        identity_settings.guest_session_policy = policy.clone();
    }
    let identity = cognate_identity::Identity::new(
        idp.clone(),
        federation.clone(),
        store.clone(),
        clock.clone(),
        master_key.clone(),
        upstream.clone(),
        identity_settings,
    )
    .map_err(|e| anyhow::anyhow!(e))?;
    let oauth =
        cognate_oauth::OAuth::new(idp.clone(), store, clock, master_key, federation).with_settings(oauth_settings);
    Ok(Services { idp, oauth, identity, admin })
}

/// Opens storage, loads keys, binds the listener and starts serving in the background.
/// With `config.test_clock`, the given clock is replaced by one tests can move.
pub async fn start(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<Running> {
    let test_clock = config.test_clock.then(|| Arc::new(OffsetClock::default()));
    // Callers sign with real time, so SigV4 keeps the wall clock even when tests shift the
    // domain's clock.
    let wall = clock.clone();
    let clock: Arc<dyn Clock> = match &test_clock {
        Some(c) => {
            tracing::warn!("the test clock is enabled: anyone can move this server's time");
            c.clone()
        }
        None => clock,
    };
    // A bad certificate fails before anything listens or touches storage.
    let certificates = match &config.tls {
        Some(files) => Some(Arc::new(tls::Certificates::load(files.clone()).context("loading the TLS certificate")?)),
        None => None,
    };
    let listener =
        tokio::net::TcpListener::bind(&config.listen).await.with_context(|| format!("binding {}", config.listen))?;
    let addr = listener.local_addr()?;
    let public_url = config.public_url_for(addr);
    let Services { idp, oauth, identity, admin } = services(&config, clock.clone(), public_url.clone()).await?;
    let web = cognate_web::router(cognate_web::WebState {
        oauth: oauth.clone(),
        templates: config.hosted_ui_templates.clone(),
    })
    .map_err(|e| anyhow::anyhow!("--hosted-ui-templates: {e}"))?;
    let state = AppState {
        idp: idp.clone(),
        oauth,
        identity: identity.clone(),
        admin_keys: AdminKeys::new(&config.region, [admin.clone()]),
        clock: wall,
        test_clock,
    };
    let (stop, stopped) = oneshot::channel::<()>();
    // The hosted UI's routes beside the API's; the API router's fallback answers the rest.
    let app = web.merge(cognate_api::router(state));
    let stopped = async {
        let _ = stopped.await;
    };
    let task = match &certificates {
        Some(certificates) => {
            let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(certificates.server_config()?));
            tokio::spawn(tls::serve(listener, acceptor, app, stopped))
        }
        None => tokio::spawn(async move { axum::serve(listener, app).with_graceful_shutdown(stopped).await }),
    };
    let purger = tokio::spawn(purge_periodically(idp.clone()));
    Ok(Running { addr, public_url, admin, idp, identity, stop: Some(stop), task, purger, tls: certificates })
}

/// How often a server deletes expired sessions, refresh tokens and token families.
const PURGE_EVERY: std::time::Duration = std::time::Duration::from_secs(10 * 60);

/// Purges at start-up and then every [`PURGE_EVERY`]. Several nodes on one database may all
/// run it; a failed pass is logged and retried at the next tick.
async fn purge_periodically(idp: Idp) {
    let mut ticks = tokio::time::interval(PURGE_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match idp.purge_expired().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(rows = n, "purged expired sessions and tokens"),
            Err(e) => tracing::warn!(error = %e, "purging expired sessions and tokens failed"),
        }
    }
}

/// `cognate serve`: runs until SIGINT or SIGTERM; with TLS, SIGHUP re-reads the certificate.
pub async fn serve_forever(args: cli::ServeArgs) -> anyhow::Result<()> {
    let config = Config::resolve(&args)?;
    init_logging(config.log_json);
    let scheme = config.scheme();
    let running = start(config, Arc::new(SystemClock)).await?;
    let reloads = running.tls.clone().map(tls::reload_on_hangup).transpose()?;
    // Tests and scripts wait for this exact line on stdout.
    println!("cognate listening on {scheme}://{}", running.addr);
    tracing::info!(addr = %running.addr, public_url = %running.public_url, "listening");
    match reloads {
        Some(reloads) => {
            tokio::select! {
                () = shutdown_signal() => {}
                () = reloads => {}
            }
        }
        None => shutdown_signal().await,
    }
    tracing::info!("shutting down");
    running.shutdown().await
}

fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("COGNATE_LOG").unwrap_or_else(|_| "info".into());
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(colour);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = ctrl_c.await;
                return;
            }
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

/// `cognate admin-credentials [--reset-secret]`: the admin key id as an `export` line, and
/// with `--reset-secret` a new secret stored sealed and printed once.
pub async fn admin_credentials(reset_secret: bool, args: cli::ServeArgs) -> anyhow::Result<()> {
    let config = Config::resolve(&args)?;
    if config.admin.is_some() {
        anyhow::bail!(
            "the admin credentials are set by --admin-access-key-id / --admin-secret-access-key \
             (or their COGNATE_ variables), not stored; change them there"
        );
    }
    let (store, master_key) = open_storage(&config).await?;
    if reset_secret {
        let (id, secret) = keys::reset_admin_secret(store.as_ref(), &master_key).await?;
        println!("{}", keys::export_lines(&id, Some(&secret)));
        eprintln!("stored a new admin secret; restart the server to use it");
        return Ok(());
    }
    match keys::stored_admin_key_id(store.as_ref()).await? {
        Some(id) => {
            println!("{}", keys::export_lines(&id, None));
            eprintln!("the secret is stored sealed and cannot be shown; --reset-secret makes a new one");
            Ok(())
        }
        None => anyhow::bail!("this store has no admin credentials yet: `cognate serve` generates them on first start"),
    }
}

/// `cognate keys rotate --pool ID`: new signing keys for one pool.
pub async fn rotate_keys(pool: &str, args: cli::ServeArgs) -> anyhow::Result<()> {
    let config = Config::resolve(&args)?;
    let public_url = config.public_url_for(&config.listen);
    let services = services(&config, Arc::new(SystemClock), public_url).await?;
    let kids = services.idp.rotate_keys(pool).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("new signing keys for {pool}: {}", kids.join(", "));
    Ok(())
}
