using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Berth.Cri.Streaming.RemoteCommand;

/// <summary>The metav1.Status a remotecommand v4 server writes on the error stream to end a command.</summary>
internal static class CommandStatus
{
    public static byte[] Success() => Status("Success", null);

    /// <summary>The command could not run (or the attach could not be made).</summary>
    public static byte[] Failure(string message) => Status("Failure", message);

    /// <summary>The command ran and ended with <paramref name="code"/> (not 0): kubectl exits with it.</summary>
    public static byte[] NonZeroExit(int code) => Encoding.UTF8.GetBytes(new JsonObject
    {
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = $"command terminated with non-zero exit code: exit status {code}",
        ["reason"] = "NonZeroExitCode",
        ["details"] = new JsonObject { ["causes"] = new JsonArray(new JsonObject { ["reason"] = "ExitCode", ["message"] = code.ToString(CultureInfo.InvariantCulture) }) },
    }.ToJsonString());

    private static byte[] Status(string status, string? message)
    {
        var json = new JsonObject { ["metadata"] = new JsonObject(), ["status"] = status };
        if (message is not null)
        {
            json["message"] = message;
        }

        return Encoding.UTF8.GetBytes(json.ToJsonString());
    }
}
