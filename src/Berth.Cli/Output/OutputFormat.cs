namespace Berth.Cli.Output;

public enum OutputFormat
{
    Table,
    Json,
    Yaml,
}
