// Minimal SLF4J 2 provider for the test REST catalog server (RestCatalogServer.java). Iceberg
// logs through SLF4J, and with no provider on the classpath SLF4J prints a warning at every
// start; this one writes WARN and ERROR (and INFO when the server runs with --verbose) to
// stderr. scripts/rest-catalog-server registers it through META-INF/services next to the
// compiled classes.

import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

public class StderrLogging implements SLF4JServiceProvider {
  static volatile boolean info;

  private final ILoggerFactory loggers = Logger::new;
  private final IMarkerFactory markers = new BasicMarkerFactory();
  private final MDCAdapter mdc = new NOPMDCAdapter();

  @Override
  public ILoggerFactory getLoggerFactory() {
    return loggers;
  }

  @Override
  public IMarkerFactory getMarkerFactory() {
    return markers;
  }

  @Override
  public MDCAdapter getMDCAdapter() {
    return mdc;
  }

  @Override
  public String getRequestedApiVersion() {
    return "2.0.99";
  }

  @Override
  public void initialize() {}

  static final class Logger extends LegacyAbstractLogger {
    Logger(String name) {
      this.name = name;
    }

    @Override
    public boolean isTraceEnabled() {
      return false;
    }

    @Override
    public boolean isDebugEnabled() {
      return false;
    }

    @Override
    public boolean isInfoEnabled() {
      return info;
    }

    @Override
    public boolean isWarnEnabled() {
      return true;
    }

    @Override
    public boolean isErrorEnabled() {
      return true;
    }

    @Override
    protected String getFullyQualifiedCallerName() {
      return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(
        Level level, Marker marker, String message, Object[] args, Throwable error) {
      String text = MessageFormatter.basicArrayFormat(message, args);
      System.err.println("rest-catalog-server: " + level + " " + name + ": " + text);
      if (error != null) {
        error.printStackTrace(System.err);
      }
    }
  }
}
