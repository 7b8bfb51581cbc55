using System.CommandLine;
using Berth.Api.V1;
using Berth.Cli.Output;

namespace Berth.Cli.Commands;

/// <summary><c>berth image import|ls|rm</c>.</summary>
public static class ImageCommands
{
    public static Command Create()
    {
        var image = new Command("image", "Manage images on this node");

        var dir = new Argument<string>("ROOTFS_DIR") { Description = "A directory holding a root file system" };
        var reference = new Argument<string>("NAME[:TAG]");
        var import = new Command("import", "Import a root file system directory as an image") { dir, reference };
        import.SetAction(async (parse, ct) =>
        {
            var info = await Global.Client(parse).ImportImageAsync(new ImportImageRequest { RootfsDir = Path.GetFullPath(parse.GetValue(dir)!), Reference = parse.GetValue(reference) }, cancellationToken: ct);
            Console.WriteLine($"{info.Reference} {info.Id[..12]}");
            return ExitCodes.Ok;
        });

        var ls = new Command("ls", "List images");
        ls.SetAction(async (parse, ct) =>
        {
            var response = await Global.Client(parse).ListImagesAsync(new ListImagesRequest(), cancellationToken: ct);
            var table = new TableWriter("IMAGE", "ID", "SIZE", "AGE");
            foreach (var i in response.Images)
            {
                table.Add(i.Reference, i.Id[..12], $"{i.Size / 1024.0 / 1024.0:0.0}MB", Global.Age(i.CreatedUnixMs));
            }

            table.WriteTo(Console.Out);
            return ExitCodes.Ok;
        });

        var target = new Argument<string>("IMAGE");
        var force = new Option<bool>("--force") { Description = "Remove even while containers use it" };
        var rm = new Command("rm", "Remove an image") { target, force };
        rm.SetAction(async (parse, ct) =>
        {
            await Global.Client(parse).RemoveImageAsync(new RemoveImageRequest { Reference = parse.GetValue(target), Force = parse.GetValue(force) }, cancellationToken: ct);
            Console.WriteLine($"{parse.GetValue(target)} removed");
            return ExitCodes.Ok;
        });

        image.Subcommands.Add(import);
        image.Subcommands.Add(ls);
        image.Subcommands.Add(rm);
        return image;
    }
}
