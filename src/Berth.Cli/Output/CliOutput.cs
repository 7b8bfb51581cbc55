using Berth.Core.Manifests;
using Berth.Core.Serialization;

namespace Berth.Cli.Output;

public static class CliOutput
{
    public static void Write<T>(TextWriter writer, T document, OutputFormat format, Action<TextWriter, T> table)
    {
        switch (format)
        {
            case OutputFormat.Json:
                writer.WriteLine(BerthJson.Serialize(document));
                break;
            case OutputFormat.Yaml:
                writer.Write(BerthJson.ToYaml(document));
                break;
            default:
                table(writer, document);
                break;
        }
    }

    public static void Warn(IEnumerable<FieldError> warnings)
    {
        foreach (var warning in warnings)
        {
            Console.Error.WriteLine($"warning: {warning}");
        }
    }
}
