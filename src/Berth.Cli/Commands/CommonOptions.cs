using System.CommandLine;
using Berth.Cli.Output;

namespace Berth.Cli.Commands;

public static class CommonOptions
{
    public static Option<string> Output()
    {
        var option = new Option<string>("--output", "-o") { Description = "Output format: table, json or yaml", DefaultValueFactory = _ => "table" };
        option.AcceptOnlyFromAmong("table", "json", "yaml");
        return option;
    }

    public static OutputFormat Format(ParseResult parse, Option<string> option) => parse.GetValue(option) switch
    {
        "json" => OutputFormat.Json,
        "yaml" => OutputFormat.Yaml,
        _ => OutputFormat.Table,
    };
}
