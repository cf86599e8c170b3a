// PruneVid.NET — checkpoint loading tests.
using Xunit;

namespace PruneVid.Runtime.Tests.Checkpoint;

/// <summary>
/// Minimal approval testing: compares text with tests/Runtime.Tests/Approvals/NAME.approved.txt; on a difference it
/// writes NAME.received.txt beside it (git-ignored) so the change can be reviewed and, if right, renamed into place.
/// </summary>
internal static class Approvals
{
    public static void Verify(string name, string received)
    {
        string folder = Path.Combine(FixturePaths.RepositoryRoot, "tests", "Runtime.Tests", "Approvals");
        string approvedPath = Path.Combine(folder, name + ".approved.txt");
        string receivedPath = Path.Combine(folder, name + ".received.txt");
        string approved = File.Exists(approvedPath) ? File.ReadAllText(approvedPath).ReplaceLineEndings("\n") : "";
        if (approved == received)
        {
            File.Delete(receivedPath);
            return;
        }
        File.WriteAllText(receivedPath, received);
        string[] a = approved.Split('\n'), r = received.Split('\n');
        int first = Enumerable.Range(0, Math.Min(a.Length, r.Length)).FirstOrDefault(i => a[i] != r[i], Math.Min(a.Length, r.Length));
        Assert.Fail($"{name}: output differs from {approvedPath} at line {first + 1}: approved '{a.ElementAtOrDefault(first)}', received '{r.ElementAtOrDefault(first)}' (full output in {receivedPath})");
    }
}
