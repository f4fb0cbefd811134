namespace Corrections.Tests.Infrastructure;

/// <summary>A test class that runs the service on its own data folder, with a test SMTP server unless told otherwise.</summary>
public abstract class ServiceTest(bool withSmtp = true) : IAsyncLifetime
{
    protected TestData Data { get; } = new();
    protected TestSmtpServer Smtp { get; private set; } = null!;
    protected CorrectionsApp App { get; private set; } = null!;

    /// <summary>Configuration on top of the test defaults.</summary>
    protected virtual IDictionary<string, string?>? Settings => null;

    public virtual Task InitializeAsync()
    {
        Smtp = withSmtp ? TestSmtpServer.StartNew() : null!;
        App = new CorrectionsApp(Data, withSmtp ? Smtp : null, settings: Settings);
        return Task.CompletedTask;
    }

    public virtual async Task DisposeAsync()
    {
        await App.DisposeAsync();
        if (withSmtp)
            await Smtp.DisposeAsync();
        Data.Dispose();
    }
}
