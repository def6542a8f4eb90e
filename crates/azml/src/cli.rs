//! The command line: `az ml`'s verbs and flags for the online-endpoint workflow, plus
//! `az monitor autoscale|metrics`, `azml local …` and `azml completion …`.

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};
use serde::Serialize;

/// Azure ML online endpoints from the command line: `az ml` for the endpoint workflow, as one
/// binary.
#[derive(Debug, Parser)]
#[command(
    name = "azml",
    version,
    about = "Azure ML online endpoints from the command line: the `az ml` endpoint workflow in one binary",
    after_help = "Examples (the tutorial's rollout from YAML files):\n  \
        azml model create -f model.yml\n  \
        azml environment create -f environment.yml\n  \
        azml online-endpoint create -f endpoint.yml\n  \
        azml online-deployment create -f blue.yml --all-traffic\n  \
        azml online-endpoint show -n churn-prediction-v1 --query scoring_uri -o tsv\n\n\
        Add --local to run any of them against the offline workspace in ./.azureml/local."
)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: Global,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Output formats, as `az -o`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// JSON, keys sorted (the default).
    #[default]
    Json,
    /// JSON, coloured when stdout is a terminal.
    Jsonc,
    /// YAML.
    Yaml,
    /// A table of the scalar fields.
    Table,
    /// Tab-separated values.
    Tsv,
    /// Nothing.
    None,
}

/// Options of every command (`az`'s global arguments and the workspace).
#[derive(Clone, Debug, Args)]
pub struct Global {
    /// Subscription id (else $AZURE_SUBSCRIPTION_ID, the Azure CLI's default subscription, config.json).
    #[arg(long, global = true, value_name = "ID")]
    pub subscription: Option<String>,
    /// Resource group (else $AZURE_RESOURCE_GROUP / $AZURE_DEFAULTS_GROUP, `az configure --defaults group=`, config.json).
    #[arg(long, short = 'g', global = true, value_name = "NAME")]
    pub resource_group: Option<String>,
    /// Workspace (else $AZUREML_WORKSPACE_NAME / $AZURE_DEFAULTS_WORKSPACE, `az configure --defaults workspace=`, config.json).
    #[arg(long, short = 'w', global = true, value_name = "NAME")]
    pub workspace_name: Option<String>,
    /// Output format.
    #[arg(long, short = 'o', global = true, value_enum, default_value_t = OutputFormat::Json)]
    pub output: OutputFormat,
    /// JMESPath query applied to the result before it is printed.
    #[arg(long, global = true, value_name = "JMESPATH")]
    pub query: Option<String>,
    /// Only show errors, suppressing warnings.
    #[arg(long, global = true)]
    pub only_show_errors: bool,
    /// More logging.
    #[arg(long, global = true)]
    pub verbose: bool,
    /// Every HTTP request and answer on stderr (secrets redacted).
    #[arg(long, global = true)]
    pub debug: bool,
    /// Use the offline workspace in ./.azureml/local (started in the background if needed).
    #[arg(long, global = true)]
    pub local: bool,
}

/// Top-level command groups.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Manage online endpoints.
    #[command(subcommand, name = "online-endpoint")]
    OnlineEndpoint(EndpointCommand),
    /// Manage online deployments.
    #[command(subcommand, name = "online-deployment")]
    OnlineDeployment(DeploymentCommand),
    /// Manage models.
    #[command(subcommand)]
    Model(ModelCommand),
    /// Manage environments.
    #[command(subcommand)]
    Environment(EnvironmentCommand),
    /// Azure Monitor: autoscale settings and metrics (`az monitor`).
    #[command(subcommand)]
    Monitor(MonitorCommand),
    /// The offline workspace in ./.azureml/local.
    #[command(subcommand)]
    Local(LocalCommand),
    /// Prints a shell completion script.
    #[command(after_help = "Example:\n  azml completion bash > /etc/bash_completion.d/azml")]
    Completion {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// `--set` values (`--set a.b=c d=e --set f=g`).
#[derive(Clone, Debug, Default, Args, Serialize)]
pub struct SetArgs {
    /// Update an object by specifying a property path and value to set, e.g. --set property1.property2=value.
    #[arg(long = "set", num_args = 1.., action = ArgAction::Append, value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

/// `--no-wait`.
#[derive(Clone, Copy, Debug, Default, Args)]
pub struct NoWait {
    /// Do not wait for the long-running operation to finish.
    #[arg(long)]
    pub no_wait: bool,
}

/// `--set` and `--no-wait` of a create or update of an endpoint or a deployment.
#[derive(Clone, Debug, Default, Args)]
pub struct WriteArgs {
    #[command(flatten)]
    pub set: SetArgs,
    #[command(flatten)]
    pub no_wait: NoWait,
}

/// What a deployment's create and update take besides the file: `--set`, `--no-wait` and
/// `--skip-script-validation`.
#[derive(Clone, Debug, Default, Args)]
pub struct DeploymentWriteArgs {
    #[command(flatten)]
    pub write: WriteArgs,
    /// Do not check the local scoring script's Python syntax before uploading it.
    #[arg(long)]
    pub skip_script_validation: bool,
}

/// `--yes` and `--no-wait` of a delete.
#[derive(Clone, Copy, Debug, Default, Args)]
pub struct DeleteArgs {
    /// Do not prompt for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
    #[command(flatten)]
    pub no_wait: NoWait,
}

/// The endpoint a command is about.
#[derive(Clone, Debug, Args)]
pub struct EndpointArg {
    /// Name of the endpoint.
    #[arg(long, short = 'n')]
    pub name: String,
}

/// The deployment a command is about.
#[derive(Clone, Debug, Args)]
pub struct DeploymentArgs {
    /// Name of the deployment.
    #[arg(long, short = 'n')]
    pub name: String,
    /// Name of the endpoint.
    #[arg(long, short = 'e')]
    pub endpoint_name: String,
}

/// The autoscale setting a command is about.
#[derive(Clone, Debug, Args)]
pub struct SettingArg {
    /// Name of the autoscale setting.
    #[arg(long, short = 'n')]
    pub name: String,
}

/// `az ml online-endpoint …`.
#[derive(Debug, Subcommand)]
pub enum EndpointCommand {
    /// Create an endpoint.
    #[command(
        after_help = "Example:\n  azml online-endpoint create -f endpoint.yml\n  azml online-endpoint create -n churn-prediction-v1 --auth-mode key"
    )]
    Create {
        /// YAML file with the endpoint's specification.
        #[arg(long, short = 'f')]
        file: Option<PathBuf>,
        /// Name of the endpoint (overrides the file's).
        #[arg(long, short = 'n')]
        name: Option<String>,
        /// Authentication method: key, aml_token or aad_token.
        #[arg(long)]
        auth_mode: Option<String>,
        #[command(flatten)]
        write: WriteArgs,
    },
    /// Update an endpoint (from a file, `--traffic`, `--mirror-traffic` or `--set`).
    #[command(
        after_help = "Examples:\n  azml online-endpoint update -n churn-prediction-v1 --traffic \"blue=90 green=10\"\n  azml online-endpoint update -f endpoint.yml"
    )]
    Update {
        /// Name of the endpoint.
        #[arg(long, short = 'n')]
        name: Option<String>,
        /// YAML file with the endpoint's specification.
        #[arg(long, short = 'f')]
        file: Option<PathBuf>,
        /// Space-separated deployment=percent pairs, in quotes: "blue=90 green=10".
        #[arg(long, short = 'r')]
        traffic: Option<String>,
        /// Percent of live traffic copied to a deployment: "green=10".
        #[arg(long)]
        mirror_traffic: Option<String>,
        #[command(flatten)]
        write: WriteArgs,
    },
    /// Show an endpoint.
    #[command(
        after_help = "Example:\n  azml online-endpoint show -n churn-prediction-v1 --query scoring_uri -o tsv"
    )]
    Show(EndpointArg),
    /// List the workspace's endpoints.
    #[command(after_help = "Example:\n  azml online-endpoint list -o table")]
    List {},
    /// Delete an endpoint and its deployments.
    #[command(after_help = "Example:\n  azml online-endpoint delete -n churn-prediction-v1 --yes")]
    Delete {
        #[command(flatten)]
        endpoint: EndpointArg,
        #[command(flatten)]
        delete: DeleteArgs,
    },
    /// Print the endpoint's keys or token.
    #[command(
        after_help = "Example:\n  azml online-endpoint get-credentials -n churn-prediction-v1 --query primaryKey -o tsv"
    )]
    GetCredentials(EndpointArg),
    /// Regenerate a key of a key-auth endpoint.
    #[command(
        after_help = "Example:\n  azml online-endpoint regenerate-keys -n churn-prediction-v1 --key-type secondary"
    )]
    RegenerateKeys {
        #[command(flatten)]
        endpoint: EndpointArg,
        /// The key to regenerate: primary or secondary.
        #[arg(long, default_value = "primary")]
        key_type: String,
        #[command(flatten)]
        no_wait: NoWait,
    },
    /// Send a request file to the endpoint and print the answer.
    #[command(
        after_help = "Example:\n  azml online-endpoint invoke -n churn-prediction-v1 -r sample.json -d blue"
    )]
    Invoke {
        #[command(flatten)]
        endpoint: EndpointArg,
        /// JSON file with the request body.
        #[arg(long, short = 'r')]
        request_file: PathBuf,
        /// Send to this deployment, whatever the traffic split.
        #[arg(long, short = 'd')]
        deployment_name: Option<String>,
    },
}

/// `az ml online-deployment …`.
#[derive(Debug, Subcommand)]
pub enum DeploymentCommand {
    /// Create a deployment.
    #[command(after_help = "Example:\n  azml online-deployment create -f blue.yml --all-traffic")]
    Create {
        /// YAML file with the deployment's specification.
        #[arg(long, short = 'f')]
        file: PathBuf,
        /// Name of the deployment (overrides the file's).
        #[arg(long, short = 'n')]
        name: Option<String>,
        /// Name of the endpoint (overrides the file's).
        #[arg(long, short = 'e')]
        endpoint_name: Option<String>,
        /// Send all of the endpoint's traffic to this deployment once it is provisioned.
        #[arg(long)]
        all_traffic: bool,
        #[command(flatten)]
        write: DeploymentWriteArgs,
    },
    /// Update a deployment (from a file or `--set`).
    #[command(
        after_help = "Example:\n  azml online-deployment update -n blue -e churn-prediction-v1 --set instance_count=2"
    )]
    Update {
        /// YAML file with the deployment's specification.
        #[arg(long, short = 'f')]
        file: Option<PathBuf>,
        /// Name of the deployment.
        #[arg(long, short = 'n')]
        name: Option<String>,
        /// Name of the endpoint.
        #[arg(long, short = 'e')]
        endpoint_name: Option<String>,
        #[command(flatten)]
        write: DeploymentWriteArgs,
    },
    /// Show a deployment.
    #[command(
        after_help = "Example:\n  azml online-deployment show -n blue -e churn-prediction-v1"
    )]
    Show(DeploymentArgs),
    /// List an endpoint's deployments.
    #[command(
        after_help = "Example:\n  azml online-deployment list -e churn-prediction-v1 -o table"
    )]
    List {
        /// Name of the endpoint.
        #[arg(long, short = 'e')]
        endpoint_name: String,
    },
    /// Delete a deployment.
    #[command(
        after_help = "Example:\n  azml online-deployment delete -n blue -e churn-prediction-v1 --yes"
    )]
    Delete {
        #[command(flatten)]
        deployment: DeploymentArgs,
        #[command(flatten)]
        delete: DeleteArgs,
    },
    /// Print the last lines of a deployment's log.
    #[command(
        after_help = "Example:\n  azml online-deployment get-logs -n blue -e churn-prediction-v1 --lines 50"
    )]
    GetLogs {
        #[command(flatten)]
        deployment: DeploymentArgs,
        /// How many lines.
        #[arg(long, short = 'l', default_value_t = 5000)]
        lines: u32,
        /// Which container: inference-server or storage-initializer.
        #[arg(long, short = 'c')]
        container: Option<String>,
    },
}

/// `az ml model …`.
#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// Register a model (uploading local files).
    #[command(
        after_help = "Examples:\n  azml model create -f model.yml\n  azml model create -n customer-churn-model -p ./model/model.pkl"
    )]
    Create {
        /// YAML file with the model's specification.
        #[arg(long, short = 'f')]
        file: Option<PathBuf>,
        #[command(flatten)]
        fields: ModelFields,
    },
    /// Show a model version.
    #[command(after_help = "Example:\n  azml model show -n customer-churn-model -v 1")]
    Show {
        /// Name of the model.
        #[arg(long, short = 'n')]
        name: String,
        /// Version.
        #[arg(long, short = 'v')]
        version: Option<String>,
        /// Label (`latest`).
        #[arg(long, short = 'l')]
        label: Option<String>,
    },
    /// Update a model version's mutable fields (description, tags, stage, …) with `--set`.
    #[command(
        after_help = "Example:\n  azml model update -n customer-churn-model -v 1 --set description=\"Churn model, retrained\" tags.team=ml"
    )]
    Update(AssetUpdateArgs),
    /// List models, or the versions of one.
    #[command(after_help = "Example:\n  azml model list -o table")]
    List {
        /// List the versions of this model.
        #[arg(long, short = 'n')]
        name: Option<String>,
        /// Only this stage.
        #[arg(long, short = 's')]
        stage: Option<String>,
        /// At most this many.
        #[arg(long, short = 'r')]
        max_results: Option<usize>,
        /// Archived and active models.
        #[arg(long)]
        include_archived: bool,
        /// Archived models only.
        #[arg(long)]
        archived_only: bool,
    },
    /// Archive a model (or one version).
    #[command(after_help = "Example:\n  azml model archive -n customer-churn-model -v 1")]
    Archive(AssetRefArgs),
    /// Restore an archived model (or one version).
    #[command(after_help = "Example:\n  azml model restore -n customer-churn-model -v 1")]
    Restore(AssetRefArgs),
    /// Download a model version's files into `<download-path>/<name>/`.
    #[command(
        after_help = "Example:\n  azml model download -n customer-churn-model -v 1 -p ./downloads"
    )]
    Download {
        /// Name of the model.
        #[arg(long, short = 'n')]
        name: String,
        /// Version.
        #[arg(long, short = 'v')]
        version: String,
        /// Folder to download into (default: the current folder).
        #[arg(long, short = 'p')]
        download_path: Option<PathBuf>,
    },
}

/// The flags of `azml model create` that override the file's fields; serialized, the text
/// ones are named as the fields, in the order az applies them.
#[derive(Debug, Args, Serialize)]
pub struct ModelFields {
    /// Name of the model.
    #[arg(long, short = 'n')]
    pub name: Option<String>,
    /// Version of the model (default: latest + 1).
    #[arg(long, short = 'v')]
    pub version: Option<String>,
    /// Path to the model file(s), local or remote.
    #[arg(long, short = 'p')]
    pub path: Option<String>,
    /// custom_model, mlflow_model or triton_model.
    #[arg(long = "type", short = 't')]
    #[serde(rename = "type")]
    pub model_type: Option<String>,
    /// Description.
    #[arg(long)]
    pub description: Option<String>,
    /// Space-separated key=value tags.
    #[arg(long, num_args = 1.., value_name = "KEY=VALUE")]
    pub tags: Vec<String>,
    /// Stage of the model.
    #[arg(long, short = 's')]
    pub stage: Option<String>,
    #[command(flatten)]
    pub set: SetArgs,
}

/// `--name --version --set …` of `model update` and `environment update`.
#[derive(Clone, Debug, Args)]
pub struct AssetUpdateArgs {
    /// Name.
    #[arg(long, short = 'n')]
    pub name: String,
    /// Version.
    #[arg(long, short = 'v')]
    pub version: String,
    #[command(flatten)]
    pub set: SetArgs,
}

/// `--name [--version] [--label]` of show, archive and restore.
#[derive(Clone, Debug, Args)]
pub struct AssetRefArgs {
    /// Name.
    #[arg(long, short = 'n')]
    pub name: String,
    /// Version (show needs it or --label; archive and restore without either act on the whole
    /// asset).
    #[arg(long, short = 'v')]
    pub version: Option<String>,
    /// Label (`latest`).
    #[arg(long, short = 'l')]
    pub label: Option<String>,
}

/// `az ml environment …`.
#[derive(Debug, Subcommand)]
pub enum EnvironmentCommand {
    /// Register an environment.
    #[command(
        after_help = "Examples:\n  azml environment create -f environment.yml\n  azml environment create -n churn-model-env -i mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest -c conda.yml"
    )]
    Create {
        /// YAML file with the environment's specification.
        #[arg(long, short = 'f')]
        file: Option<PathBuf>,
        #[command(flatten)]
        fields: EnvironmentFields,
    },
    /// Show an environment version.
    #[command(after_help = "Example:\n  azml environment show -n churn-model-env -v 1")]
    Show(AssetRefArgs),
    /// Update an environment version's mutable fields (description, tags) with `--set`.
    #[command(
        after_help = "Example:\n  azml environment update -n churn-model-env -v 1 --set tags.team=ml"
    )]
    Update(AssetUpdateArgs),
    /// List environments, or the versions of one.
    #[command(after_help = "Example:\n  azml environment list -o table")]
    List {
        /// List the versions of this environment.
        #[arg(long, short = 'n')]
        name: Option<String>,
        /// At most this many.
        #[arg(long, short = 'r')]
        max_results: Option<usize>,
        /// Archived and active environments.
        #[arg(long)]
        include_archived: bool,
        /// Archived environments only.
        #[arg(long)]
        archived_only: bool,
    },
    /// Archive an environment (or one version).
    #[command(after_help = "Example:\n  azml environment archive -n churn-model-env -v 1")]
    Archive(AssetRefArgs),
    /// Restore an archived environment (or one version).
    #[command(after_help = "Example:\n  azml environment restore -n churn-model-env -v 1")]
    Restore(AssetRefArgs),
}

/// The flags of `azml environment create` that override the file's fields; serialized, the
/// text ones are named as the fields, in the order az applies them.
#[derive(Debug, Args, Serialize)]
pub struct EnvironmentFields {
    /// Name of the environment.
    #[arg(long, short = 'n')]
    pub name: Option<String>,
    /// Version (default: latest + 1).
    #[arg(long, short = 'v')]
    pub version: Option<String>,
    /// Docker image.
    #[arg(long, short = 'i')]
    pub image: Option<String>,
    /// Local conda specification file (with --image).
    #[arg(long, short = 'c')]
    pub conda_file: Option<String>,
    /// Local Docker build context folder (instead of --image).
    #[arg(long, short = 'b')]
    #[serde(rename = "build.path")]
    pub build_context: Option<String>,
    /// Dockerfile inside the build context.
    #[arg(long, short = 'd')]
    #[serde(rename = "build.dockerfile_path")]
    pub dockerfile_path: Option<String>,
    /// linux or windows.
    #[arg(long)]
    pub os_type: Option<String>,
    /// Description.
    #[arg(long)]
    pub description: Option<String>,
    /// Space-separated key=value tags.
    #[arg(long, num_args = 1.., value_name = "KEY=VALUE")]
    pub tags: Vec<String>,
    #[command(flatten)]
    pub set: SetArgs,
}

/// `az monitor …`.
#[derive(Debug, Subcommand)]
pub enum MonitorCommand {
    /// Autoscale settings.
    #[command(subcommand)]
    Autoscale(AutoscaleCommand),
    /// Metrics.
    #[command(subcommand)]
    Metrics(MetricsCommand),
}

/// The resource an autoscale setting or a metrics query is about.
#[derive(Clone, Debug, Args)]
pub struct ResourceArgs {
    /// Name or ARM id of the target resource.
    #[arg(long)]
    pub resource: String,
    /// Resource type (with a resource name), e.g. deployments.
    #[arg(long)]
    pub resource_type: Option<String>,
    /// Provider namespace (with a resource name), e.g. Microsoft.MachineLearningServices.
    #[arg(long)]
    pub resource_namespace: Option<String>,
    /// Parent path (with a resource name), e.g. workspaces/ws/onlineEndpoints/churn-prediction-v1.
    #[arg(long)]
    pub resource_parent: Option<String>,
}

/// `az monitor autoscale …`.
#[derive(Debug, Subcommand)]
pub enum AutoscaleCommand {
    /// Create an autoscale setting.
    #[command(
        after_help = "Example:\n  azml monitor autoscale create -g ml-project-rg --name churn-autoscale --min-count 1 --max-count 5 --count 1 \\\n    --resource /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}/onlineEndpoints/churn-prediction-v1/deployments/blue"
    )]
    Create {
        #[command(flatten)]
        resource: ResourceArgs,
        /// Name of the autoscale setting (default: the resource's name).
        #[arg(long, short = 'n')]
        name: Option<String>,
        /// Minimum instances.
        #[arg(long)]
        min_count: Option<u32>,
        /// Maximum instances.
        #[arg(long)]
        max_count: Option<u32>,
        /// Instances when no metric is available.
        #[arg(long)]
        count: u32,
        /// Create the setting disabled.
        #[arg(long)]
        disabled: bool,
        /// Space-separated key=value tags.
        #[arg(long, num_args = 1.., value_name = "KEY=VALUE")]
        tags: Vec<String>,
    },
    /// Update an autoscale setting: its default profile's counts, whether it is enabled, its
    /// tags.
    #[command(
        after_help = "Example:\n  azml monitor autoscale update -g ml-project-rg -n churn-autoscale --max-count 3 --count 2"
    )]
    Update {
        /// Name of the autoscale setting.
        #[arg(long, short = 'n')]
        name: String,
        /// Minimum instances.
        #[arg(long)]
        min_count: Option<u32>,
        /// Maximum instances.
        #[arg(long)]
        max_count: Option<u32>,
        /// Instances when no metric is available.
        #[arg(long)]
        count: Option<u32>,
        /// Turn autoscale on (`true`) or off (`false`).
        #[arg(long, value_name = "BOOL")]
        enabled: Option<bool>,
        /// Space-separated key=value tags (replace the setting's tags).
        #[arg(long, num_args = 1.., value_name = "KEY=VALUE")]
        tags: Vec<String>,
    },
    /// Show an autoscale setting.
    #[command(
        after_help = "Example:\n  azml monitor autoscale show -g ml-project-rg -n churn-autoscale"
    )]
    Show(SettingArg),
    /// Delete an autoscale setting.
    #[command(
        after_help = "Example:\n  azml monitor autoscale delete -g ml-project-rg -n churn-autoscale"
    )]
    Delete(SettingArg),
    /// Scale rules of a setting's default profile.
    #[command(subcommand)]
    Rule(RuleCommand),
}

/// `az monitor autoscale rule …`.
#[derive(Debug, Subcommand)]
pub enum RuleCommand {
    /// Add a scale rule.
    #[command(
        after_help = "Example:\n  azml monitor autoscale rule create -g ml-project-rg --autoscale-name churn-autoscale \\\n    --condition \"CpuUtilizationPercentage > 70 avg 5m\" --scale out 1"
    )]
    Create {
        /// Name of the autoscale setting.
        #[arg(long)]
        autoscale_name: String,
        /// "METRIC {>,>=,<,<=,==,!=} THRESHOLD {avg,min,max,total,count} PERIOD [where DIMENSION {==,!=} VALUE [or VALUE] ...]".
        #[arg(long, num_args = 1.., required = true)]
        condition: Vec<String>,
        /// "{in,out,to} N[%]".
        #[arg(long, num_args = 1.., required = true)]
        scale: Vec<String>,
        /// Minutes to wait after a scale action.
        #[arg(long, default_value_t = 5)]
        cooldown: u64,
        /// "{avg,min,max,sum,count} PERIOD": how instances' values combine.
        #[arg(long, num_args = 1..)]
        timegrain: Vec<String>,
    },
    /// List the scale rules.
    #[command(
        after_help = "Example:\n  azml monitor autoscale rule list -g ml-project-rg --autoscale-name churn-autoscale"
    )]
    List {
        /// Name of the autoscale setting.
        #[arg(long)]
        autoscale_name: String,
    },
    /// Delete scale rules by index (from `rule list`), or all.
    #[command(
        after_help = "Example:\n  azml monitor autoscale rule delete -g ml-project-rg --autoscale-name churn-autoscale --index 0"
    )]
    Delete {
        /// Name of the autoscale setting.
        #[arg(long)]
        autoscale_name: String,
        /// Space-separated indexes, or `all`.
        #[arg(long, num_args = 1.., required = true)]
        index: Vec<String>,
    },
}

/// `az monitor metrics …`.
#[derive(Debug, Subcommand)]
pub enum MetricsCommand {
    /// List metric values of a resource.
    #[command(
        after_help = "Example:\n  azml monitor metrics list --resource <endpoint id> --metrics RequestLatency --interval PT1M --aggregation Average"
    )]
    List {
        #[command(flatten)]
        resource: ResourceArgs,
        /// Space-separated metric names.
        #[arg(long, num_args = 1..)]
        metrics: Vec<String>,
        /// Interval: an ISO-8601 duration (PT1M) or ##h##m.
        #[arg(long, default_value = "PT1M")]
        interval: String,
        /// Space-separated aggregations: Average, Count, Maximum, Minimum, Total.
        #[arg(long, num_args = 1..)]
        aggregation: Vec<String>,
        /// Start time (ISO 8601); default: end time minus --offset.
        #[arg(long)]
        start_time: Option<String>,
        /// End time (ISO 8601); default: now.
        #[arg(long)]
        end_time: Option<String>,
        /// Time span before the end time: ##d##h (default 1h).
        #[arg(long, default_value = "1h")]
        offset: String,
        /// OData filter of dimensions (not with --dimension).
        #[arg(long)]
        filter: Option<String>,
        /// Space-separated dimensions to split by (`statusCodeClass deployment`): each becomes
        /// `NAME eq '*'` in the filter, as az does (not with --filter).
        #[arg(long, num_args = 1..)]
        dimension: Vec<String>,
        /// Metric namespace (default: the resource's own).
        #[arg(long)]
        namespace: Option<String>,
        /// Order of the series of a split, e.g. `average asc` (with --top).
        #[arg(long)]
        orderby: Option<String>,
        /// How many series of a split to return.
        #[arg(long)]
        top: Option<u32>,
        /// Return the metadata only (the series and their dimension values, no data points).
        #[arg(long)]
        metadata: bool,
    },
}

/// `azml local …`.
#[derive(Debug, Subcommand)]
pub enum LocalCommand {
    /// Run the offline workspace (in the foreground; --detach runs it in the background).
    ///
    /// Every request is logged as a JSON line to .azureml/local/access.jsonl (secrets left
    /// out); --verbose also prints those lines on stderr.
    #[command(after_help = "Example:\n  azml local start --detach\n  azml --verbose local start")]
    Start {
        /// Run in the background (pid and log file under .azureml/local/) and return once it answers.
        #[arg(long)]
        detach: bool,
        /// Port on 127.0.0.1 (default: the last one, else any free one).
        #[arg(long)]
        port: Option<u16>,
    },
    /// Stop the background offline workspace.
    #[command(after_help = "Example:\n  azml local stop")]
    Stop {},
    /// Is the background offline workspace running, and where.
    #[command(after_help = "Example:\n  azml local status")]
    Status {},
}
