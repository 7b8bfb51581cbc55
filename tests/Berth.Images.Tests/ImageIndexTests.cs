using Berth.Images.Store;

namespace Berth.Images.Tests;

/// <summary>How a text a user typed finds a name in index.json: names first, then digests, then ids.</summary>
public class ImageIndexTests
{
    private static readonly string AppId = "beef" + new string('1', 60);
    private static readonly string ToolId = "beef" + new string('2', 60);
    private static readonly string OtherId = "cafe" + new string('3', 60);
    private static readonly string IndexDigest = "sha256:" + new string('a', 64);
    private static readonly string ManifestDigest = "sha256:" + new string('b', 64);
    private static readonly string ToolManifest = "sha256:" + new string('c', 64);

    private static SortedDictionary<string, NameEntry> Names() => new(StringComparer.Ordinal)
    {
        ["app:latest"] = new(IndexDigest, ManifestDigest, AppId),
        ["app:v1"] = new(IndexDigest, ManifestDigest, AppId),
        ["localhost:5000/team/tool:v1"] = new(ToolManifest, ToolManifest, ToolId),
        ["beef:latest"] = new(ToolManifest, ToolManifest, OtherId, ImageOrigin.Imported),
    };

    [Theory]
    [InlineData("app", "app:latest")]
    [InlineData("docker.io/library/app", "app:latest")]
    [InlineData("app:v1", "app:v1")]
    [InlineData("localhost:5000/team/tool:v1", "localhost:5000/team/tool:v1")]
    public void A_name_finds_itself_in_its_normal_form(string text, string key) =>
        Assert.Equal(new IndexMatch(key, ByName: true), ImageIndex.Resolve(Names(), text));

    [Fact]
    public void A_name_wins_over_an_id_prefix_it_also_spells()
    {
        // "beef" is both a repository with an image and the prefix of two ids.
        Assert.Equal(new IndexMatch("beef:latest", ByName: true), ImageIndex.Resolve(Names(), "beef"));
    }

    [Fact]
    public void A_digest_finds_the_name_of_that_repository_pulled_as_that_index_or_manifest()
    {
        Assert.Equal("app:latest", ImageIndex.Resolve(Names(), $"app@{IndexDigest}")?.Key);
        Assert.Equal("app:latest", ImageIndex.Resolve(Names(), $"app@{ManifestDigest}")?.Key);
        Assert.Equal("localhost:5000/team/tool:v1", ImageIndex.Resolve(Names(), $"localhost:5000/team/tool@{ToolManifest}")?.Key);

        // The same digest under another repository is not the image.
        Assert.Null(ImageIndex.Resolve(Names(), $"other@{ManifestDigest}"));
        Assert.Null(ImageIndex.Resolve(Names(), $"app@sha256:{new string('d', 64)}"));
    }

    [Theory]
    [InlineData("cafe")]
    [InlineData("sha256:cafe3")]
    public void An_id_prefix_finds_the_image_not_a_name(string text)
    {
        var match = ImageIndex.Resolve(Names(), text);

        Assert.Equal(new IndexMatch("beef:latest", ByName: false), match);
    }

    [Fact]
    public void A_full_id_finds_the_first_name_of_its_image_as_an_id()
    {
        Assert.Equal(new IndexMatch("app:latest", ByName: false), ImageIndex.Resolve(Names(), AppId));
        Assert.Equal(new IndexMatch("localhost:5000/team/tool:v1", ByName: false), ImageIndex.Resolve(Names(), "sha256:" + ToolId));
    }

    [Fact]
    public void An_id_prefix_of_several_images_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => ImageIndex.Resolve(Names(), "sha256:beef"));

        Assert.Contains("matches 2 images", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("app:v2")]
    [InlineData("dead")]
    [InlineData("bee")]
    public void Nothing_matches_a_valid_name_or_id_without_an_image(string text) =>
        Assert.Null(ImageIndex.Resolve(Names(), text));

    [Fact]
    public void Text_that_is_neither_a_name_nor_an_id_says_why() =>
        Assert.Contains("\"App\"", Assert.Throws<FormatException>(() => ImageIndex.Resolve(Names(), "App")).Message, StringComparison.Ordinal);
}
