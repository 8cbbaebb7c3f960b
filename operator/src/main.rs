//! `shop-operator`: runs the controller (default), prints the CRD (`crd`), or prints what
//! it would apply for a Shop file (`render -f shop.yaml`).

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use shop_operator::helm::Helm;

#[derive(Parser)]
#[command(
    version,
    about = "Kubernetes operator of rustshop: reconciles Shop resources"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: shop_operator::run::RunArgs,
    /// The helm binary (default: the one of scripts/k8s-tools.sh, else helm on PATH).
    #[arg(long, env = "HELM_BIN", global = true)]
    helm: Option<PathBuf>,
    /// Folder holding the infra charts (postgresql, mongodb, redis, kafka).
    #[arg(long, env = "CHARTS_DIR", default_value = "charts", global = true)]
    charts: PathBuf,
}

#[derive(Subcommand)]
enum Command {
    /// Run the controller against the cluster of the current kubeconfig or service
    /// account (the default).
    Run,
    /// Print the CustomResourceDefinition of Shop.
    Crd,
    /// Print every object the operator would apply for a Shop, as one YAML stream.
    Render {
        /// The Shop manifest.
        #[arg(short = 'f', long = "file")]
        file: PathBuf,
        /// Namespace of a Shop whose manifest names none.
        #[arg(short, long, default_value = "default")]
        namespace: String,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let helm = Helm::new(cli.helm.unwrap_or_else(Helm::locate_bin), cli.charts);
    match cli.command {
        Some(Command::Crd) => print!("{}", shop_operator::crd_yaml()?),
        Some(Command::Render { file, namespace }) => {
            print!(
                "{}",
                shop_operator::render::render_file(&file, &namespace, &helm)?
            );
        }
        Some(Command::Run) | None => shop_operator::run::run(cli.run, helm).await?,
    }
    Ok(())
}
