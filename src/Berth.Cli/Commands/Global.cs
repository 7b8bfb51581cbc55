using System.CommandLine;
using Berth.Api.V1;

namespace Berth.Cli.Commands;

/// <summary>Options every agent command shares.</summary>
public static class Global
{
    public static readonly Option<string?> Socket = new("--socket")
    {
        Description = $"The agent's socket (default: $BERTH_SOCKET or {AgentClient.DefaultSocket})",
        Recursive = true,
    };

    public static Agent.AgentClient Client(ParseResult parse) => AgentClient.Connect(AgentClient.SocketPath(parse.GetValue(Socket)));

    public static string SocketPath(ParseResult parse) => AgentClient.SocketPath(parse.GetValue(Socket));

    public static IEnumerable<ManifestFile> ReadManifests(IEnumerable<string> paths) =>
        paths.Select(p => new ManifestFile { Source = p, Content = ReadFile(p) });

    /// <summary>A file the CLI reads itself; unreadable is bad input naming the file.</summary>
    public static string ReadFile(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new Core.Manifests.ValidationException([new Core.Manifests.FieldError(path, "", $"cannot read file: {e.Message}")]);
        }
    }

    public static string Age(long createdUnixMs)
    {
        var age = DateTimeOffset.UtcNow - DateTimeOffset.FromUnixTimeMilliseconds(createdUnixMs);
        return age.TotalSeconds < 120 ? $"{(int)age.TotalSeconds}s"
            : age.TotalMinutes < 120 ? $"{(int)age.TotalMinutes}m"
            : age.TotalHours < 48 ? $"{(int)age.TotalHours}h"
            : $"{(int)age.TotalDays}d";
    }
}
