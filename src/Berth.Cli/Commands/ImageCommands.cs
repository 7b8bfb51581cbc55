using System.CommandLine;
using System.Globalization;
using Berth.Api.V1;
using Berth.Cli.Output;
using Grpc.Core;
using Spectre.Console;

namespace Berth.Cli.Commands;

/// <summary><c>berth image pull|load|save|import|ls|inspect|rm|prune</c>.</summary>
public static class ImageCommands
{
    public static Command Create()
    {
        var image = new Command("image", "Manage images on this node");
        image.Subcommands.Add(Pull());
        image.Subcommands.Add(Load());
        image.Subcommands.Add(Save());
        image.Subcommands.Add(Import());
        image.Subcommands.Add(List());
        image.Subcommands.Add(Inspect());
        image.Subcommands.Add(Remove());
        image.Subcommands.Add(Prune());
        return image;
    }

    private static Command Pull()
    {
        var reference = new Argument<string>("NAME[:TAG|@DIGEST]") { Description = "e.g. busybox, registry.k8s.io/pause:3.10, alpine@sha256:…" };
        var creds = new Option<string?>("--creds") { Description = "USER:PASSWORD for the image's registry (default: the agent's auth file)" };
        var platform = new Option<string?>("--platform") { Description = "OS/ARCH[/VARIANT] of a multi-platform image (default: the node's)" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print only the image's name and id" };
        var command = new Command("pull", "Pull an image from a registry\n\nExamples:\n  berth image pull busybox:1.36\n  berth image pull localhost:5000/team/app@sha256:…") { reference, creds, platform, quiet };
        command.SetAction(async (parse, ct) =>
        {
            var request = new PullImageRequest { Reference = parse.GetValue(reference), Platform = parse.GetValue(platform) ?? "" };
            if (parse.GetValue(creds) is { } userPassword)
            {
                var colon = userPassword.IndexOf(':', StringComparison.Ordinal);
                if (colon <= 0)
                {
                    Console.Error.WriteLine("error: --creds must be USER:PASSWORD");
                    return ExitCodes.BadInput;
                }

                request.Username = userPassword[..colon];
                request.Password = userPassword[(colon + 1)..];
            }

            using var call = Global.Client(parse).PullImage(request, cancellationToken: ct);
            var showProgress = !parse.GetValue(quiet) && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
            var pulled = showProgress ? await WithProgressAsync(call.ResponseStream, ct) : await LastAsync(call.ResponseStream, ct);
            if (pulled is null)
            {
                Console.Error.WriteLine("error: the agent ended the pull without an image");
                return ExitCodes.Failed;
            }

            Console.WriteLine($"{pulled.Reference} {ShortId(pulled.Id)}{(pulled.RepoDigest.Length > 0 ? " " + pulled.RepoDigest : "")}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Load()
    {
        var path = new Argument<string>("FILE|DIR") { Description = "An OCI image layout (directory or tar) or a docker save archive" };
        var name = new Option<string?>("--name") { Description = "The repository for images the archive names only by tag, or NAME[:TAG] for unnamed ones" };
        var command = new Command("load", "Load images from an OCI layout or a docker save archive") { path, name };
        command.SetAction(async (parse, ct) =>
        {
            var response = await Global.Client(parse).LoadImageAsync(new LoadImageRequest { Path = Path.GetFullPath(parse.GetValue(path)!), Name = parse.GetValue(name) ?? "" }, cancellationToken: ct);
            foreach (var loaded in response.Images)
            {
                Console.WriteLine($"Loaded image: {loaded.Reference} {ShortId(loaded.Id)}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Save()
    {
        var references = new Argument<string[]>("IMAGE") { Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--output", "-o") { Description = "The tar file to write (an OCI image layout)", Required = true };
        var command = new Command("save", "Save images to an OCI layout tar that berth and docker load") { references, output };
        command.SetAction(async (parse, ct) =>
        {
            var request = new SaveImageRequest { Output = Path.GetFullPath(parse.GetValue(output)!) };
            request.References.AddRange(parse.GetValue(references)!);
            await Global.Client(parse).SaveImageAsync(request, cancellationToken: ct);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Import()
    {
        var dir = new Argument<string>("ROOTFS_DIR") { Description = "A directory holding a root file system" };
        var reference = new Argument<string>("NAME[:TAG]");
        var command = new Command("import", "Import a root file system directory as a single-layer image") { dir, reference };
        command.SetAction(async (parse, ct) =>
        {
            var info = await Global.Client(parse).ImportImageAsync(new ImportImageRequest { RootfsDir = Path.GetFullPath(parse.GetValue(dir)!), Reference = parse.GetValue(reference) }, cancellationToken: ct);
            Console.WriteLine($"{info.Reference} {ShortId(info.Id)}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List()
    {
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Only image ids" };
        var command = new Command("ls", "List images") { quiet };
        command.SetAction(async (parse, ct) =>
        {
            var response = await Global.Client(parse).ListImagesAsync(new ListImagesRequest(), cancellationToken: ct);
            if (parse.GetValue(quiet))
            {
                foreach (var id in response.Images.Select(i => ShortId(i.Id)).Distinct())
                {
                    Console.WriteLine(id);
                }

                return ExitCodes.Ok;
            }

            var table = new TableWriter("REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "SIZE", "AGE");
            foreach (var i in response.Images)
            {
                var digest = i.RepoDigest.Contains('@', StringComparison.Ordinal) ? i.RepoDigest[(i.RepoDigest.IndexOf('@', StringComparison.Ordinal) + 1)..] : "";
                table.Add(
                    i.Repository.Length > 0 ? i.Repository : i.Reference,
                    i.Tag.Length > 0 ? i.Tag : "<none>",
                    digest.Length > 19 ? digest[..19] : digest,
                    ShortId(i.Id),
                    Size(i.Size),
                    Global.Age(i.CreatedUnixMs));
            }

            table.WriteTo(Console.Out);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Inspect()
    {
        var target = new Argument<string>("IMAGE");
        var command = new Command("inspect", "Show an image's names, digests, layers and config as JSON") { target };
        command.SetAction(async (parse, ct) =>
        {
            var response = await Global.Client(parse).InspectImageAsync(new InspectImageRequest { Reference = parse.GetValue(target) }, cancellationToken: ct);
            Console.WriteLine(response.Json);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Remove()
    {
        var target = new Argument<string>("IMAGE");
        var force = new Option<bool>("--force") { Description = "Remove even while containers use it" };
        var command = new Command("rm", "Remove an image") { target, force };
        command.SetAction(async (parse, ct) =>
        {
            await Global.Client(parse).RemoveImageAsync(new RemoveImageRequest { Reference = parse.GetValue(target), Force = parse.GetValue(force) }, cancellationToken: ct);
            Console.WriteLine($"{parse.GetValue(target)} removed");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Prune()
    {
        var command = new Command("prune", "Remove every image no container uses");
        command.SetAction(async (parse, ct) =>
        {
            var response = await Global.Client(parse).PruneImagesAsync(new PruneImagesRequest(), cancellationToken: ct);
            foreach (var name in response.Removed)
            {
                Console.WriteLine($"{name} removed");
            }

            Console.WriteLine($"freed {Size(response.BytesFreed)}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task<ImageInfo?> LastAsync(IAsyncStreamReader<PullImageEvent> events, CancellationToken ct)
    {
        ImageInfo? image = null;
        while (await events.MoveNext(ct))
        {
            image = events.Current.Image ?? image;
        }

        return image;
    }

    /// <summary>One bar per layer, as docker pull shows them.</summary>
    private static async Task<ImageInfo?> WithProgressAsync(IAsyncStreamReader<PullImageEvent> events, CancellationToken ct)
    {
        ImageInfo? image = null;
        await AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn())
            .StartAsync(async context =>
            {
                var bars = new Dictionary<string, ProgressTask>(StringComparer.Ordinal);
                while (await events.MoveNext(ct))
                {
                    var step = events.Current;
                    if (step.Image is not null)
                    {
                        image = step.Image;
                        continue;
                    }

                    if (step.Status == "Resolving")
                    {
                        continue;
                    }

                    if (!bars.TryGetValue(step.Id, out var bar))
                    {
                        bar = context.AddTask(step.Id, maxValue: Math.Max(1, step.Total));
                        bars[step.Id] = bar;
                    }

                    bar.Description = $"{step.Id} {step.Status.ToLower(CultureInfo.InvariantCulture)}";
                    bar.Value = Math.Min(step.Current, bar.MaxValue);
                    if (step.Status is "Done" or "Exists")
                    {
                        bar.Value = bar.MaxValue;
                        bar.StopTask();
                    }
                }
            });
        return image;
    }

    private static string ShortId(string id) => id.Length > 12 ? id[..12] : id;

    private static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.0}GB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.0}MB",
        >= 1L << 10 => $"{bytes / (double)(1L << 10):0.0}kB",
        _ => $"{bytes}B",
    };
}
