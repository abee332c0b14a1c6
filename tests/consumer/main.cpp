// A C++ consumer of an installed iucore (iucore::iucore): prints the figures of the definition
// given as argv[1].
#include <iucore/engine/files.hpp>

#include <boost/json.hpp>

#include <iostream>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: " << argv[0] << " DEFINITION\n";
        return 2;
    }
    auto d = iucore::load_definition_file(argv[1]);
    if (!d) {
        std::cerr << "c++: " << d.error().message << "\n";
        return 1;
    }
    auto figures = d.value().figures_at(d.value().latest_version());
    if (!figures) return 1;
    std::cout << "c++: figures " << boost::json::serialize(boost::json::value_from(figures.value()))
              << "\n";
    return 0;
}
